/** Test helpers: a real node:http server on a free loopback port, and a client that keeps cookies like a browser. */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Running {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** A real node:http server on a free loopback port. */
export function listen(handler: RequestListener): Promise<Running> {
  return listening((ready) => createServer(handler).listen(0, '127.0.0.1', ready));
}

/**
 * Waits until the server `start` creates is listening, e.g.
 * `listening((ready) => app.listen(0, '127.0.0.1', ready))` for Express or Koa.
 * `close()` also drops keep-alive connections, so tests end promptly.
 */
export async function listening(start: (ready: () => void) => Server): Promise<Running> {
  const server = await new Promise<Server>((resolve) => {
    const s = start(() => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface StoredCookie {
  value: string;
  attributes: Record<string, string | true>;
}

/** Parses one Set-Cookie header into name, value and lower-cased attributes. */
export function parseSetCookie(header: string): {
  name: string;
  value: string;
  attributes: Record<string, string | true>;
} {
  const [pair = '', ...parts] = header.split(';');
  const eq = pair.indexOf('=');
  const attributes: Record<string, string | true> = {};
  for (const part of parts) {
    const [k = '', ...v] = part.trim().split('=');
    attributes[k.toLowerCase()] = v.length ? v.join('=') : true;
  }
  return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), attributes };
}

/** A fetch client with a cookie jar: stores Set-Cookie, drops expired cookies, sends the rest. */
export class CookieClient {
  readonly jar = new Map<string, StoredCookie>();
  /** Set-Cookie headers of the last response. */
  lastSetCookies: string[] = [];

  constructor(readonly base: string) {}

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    const cookie = this.cookieHeader();
    if (cookie && !headers.has('cookie')) headers.set('cookie', cookie);
    const response = await fetch(this.base + path, { redirect: 'manual', ...init, headers });
    this.lastSetCookies = response.headers.getSetCookie();
    for (const header of this.lastSetCookies) {
      const { name, value, attributes } = parseSetCookie(header);
      const maxAge = attributes['max-age'];
      if (maxAge !== undefined && Number(maxAge) <= 0) this.jar.delete(name);
      else this.jar.set(name, { value, attributes });
    }
    return response;
  }

  async text(path: string, init?: RequestInit): Promise<string> {
    return (await this.fetch(path, init)).text();
  }

  cookieHeader(): string {
    return [...this.jar].map(([name, c]) => `${name}=${c.value}`).join('; ');
  }

  get(name: string): string | undefined {
    return this.jar.get(name)?.value;
  }
}
