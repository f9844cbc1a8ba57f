/**
 * Child-process entry for the autocannon fallback: measures one URL with the options
 * given as JSON in argv[2] and prints one JSON EndpointResult line.
 */
import { createRequire } from 'node:module';
import type { LoadOptions } from './load.js';
import type { EndpointResult } from './results.js';

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p99: number };
  non2xx: number;
  errors: number;
}
type Autocannon = (options: object) => Promise<AutocannonResult>;

// autocannon ships no type declarations; this is the small part of its API used here.
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const options = JSON.parse(process.argv[2] ?? '{}') as LoadOptions;
let next = -1;
const result = await autocannon({
  url: options.url,
  connections: options.connections,
  duration: options.durationSec,
  // Each request takes the next session's cookie.
  requests: [
    {
      setupRequest: (request: { headers?: Record<string, string> }) => {
        next = (next + 1) % options.cookies.length;
        return { ...request, headers: { ...request.headers, cookie: options.cookies[next] } };
      },
    },
  ],
});
const summary: EndpointResult = {
  rps: result.requests.average,
  requests: result.requests.total,
  non2xx: result.non2xx,
  errors: result.errors, // autocannon counts timeouts among errors
  p99Ms: result.latency.p99,
};
console.log(JSON.stringify(summary));
