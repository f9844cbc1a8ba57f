/**
 * The client of a node:http request as auth needs it (user agent, address). The address
 * comes from the socket unless trustProxy says which X-Forwarded-For hops to believe.
 */
import type { IncomingMessage } from 'node:http';
import { clientAddress, type TrustProxy, validateTrustProxy } from '../core/proxy.js';
import type { ClientInfo } from '../core/store.js';

export function clientOfRequest(req: IncomingMessage, trustProxy: TrustProxy = false): ClientInfo {
  const trust = validateTrustProxy(trustProxy);
  const forwarded = req.headers['x-forwarded-for'];
  const client: ClientInfo = {};
  const userAgent = req.headers['user-agent'];
  if (userAgent) client.userAgent = userAgent.slice(0, 256);
  const ip = clientAddress(
    req.socket?.remoteAddress,
    Array.isArray(forwarded) ? forwarded.join(',') : forwarded,
    trust,
  );
  if (ip) client.ip = ip;
  return client;
}
