/** A tiny router and the request / response helpers the demo needs. No framework. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Session } from '../../src/core/session.js';
import type { ClientInfo } from '../../src/core/store.js';

export interface DemoData {
  /** Copied from the user at login: a privilege change means a new login (and a new id). */
  roles?: string[];
  [key: string]: unknown;
}

export interface Context {
  req: IncomingMessage;
  res: ServerResponse;
  session: Session<DemoData>;
  url: URL;
  method: string;
  /** The parsed form or JSON body of unsafe requests. */
  body: Record<string, unknown>;
  client: ClientInfo;
}

export type Handler = (ctx: Context) => unknown;

export class Router {
  readonly #routes = new Map<string, Handler>();

  on(method: string, path: string, handler: Handler): this {
    this.#routes.set(`${method} ${path}`, handler);
    return this;
  }
  get(path: string, handler: Handler): this {
    return this.on('GET', path, handler);
  }
  post(path: string, handler: Handler): this {
    return this.on('POST', path, handler);
  }

  /** The handler for this request, 'method' when the path exists under another method, or undefined. */
  match(method: string, path: string): Handler | 'method' | undefined {
    const handler = this.#routes.get(`${method === 'HEAD' ? 'GET' : method} ${path}`);
    if (handler) return handler;
    for (const key of this.#routes.keys()) if (key.endsWith(` ${path}`)) return 'method';
    return undefined;
  }
}

const MAX_BODY = 16 * 1024;

/** Reads a urlencoded or JSON body of at most 16 KiB; anything else gives {}. */
export async function readBody(req: IncomingMessage): Promise<Record<string, unknown> | 'too-large' | 'bad-json'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return 'too-large';
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(text));
  if (type === 'application/json') {
    if (text === '') return {};
    try {
      const value: unknown = JSON.parse(text);
      return value && typeof value === 'object' && !Array.isArray(value)
        ? (value as Record<string, unknown>)
        : 'bad-json';
    } catch {
      return 'bad-json';
    }
  }
  return {};
}

/** Headers every response gets: no caching of private pages, no framing, no sniffing. */
export function secureHeaders(res: ServerResponse): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'same-origin');
  res.setHeader(
    'Content-Security-Policy',
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  );
}

export function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.end(html);
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(value));
}

/** 303: the browser follows with a GET, so a reload never re-posts a form. */
export function redirect(res: ServerResponse, location: string): void {
  res.statusCode = 303;
  res.setHeader('Location', location);
  res.end();
}

/** A local path to go back to after login; anything else (other hosts, `//evil`) gives '/'. */
export function safeNext(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\'))
    return '/';
  return value.length > 200 ? '/' : value;
}
