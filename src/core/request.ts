/**
 * What the manager needs from a request, whatever the framework: the Cookie header,
 * and optionally where the request came from. Adapters fill it in.
 */
import type { ClientInfo } from './store.js';

export interface RequestContext {
  /** The Cookie header. */
  cookie?: string | null;
  /** The User-Agent header, recorded for device lists. */
  userAgent?: string | null;
  /** The client address as the adapter determined it (proxy headers only if trusted). */
  ip?: string | null;
  /** The request reached the app over https (directly or via a trusted proxy). */
  secure?: boolean;
  /** The Host the request was sent to, for cookie.secure 'auto'. */
  host?: string | null;
  /** The Authorization header, read only when the `transport` option allows bearer tokens. */
  authorization?: string | null;
}

/** What load() accepts: a Cookie header string, a Fetch API Request, or a RequestContext. */
export type LoadInput = string | null | undefined | Request | RequestContext;

interface HeadersLike {
  get(name: string): string | null;
}

export function toRequestContext(input: LoadInput): RequestContext {
  if (input === null || input === undefined || typeof input === 'string') return { cookie: input };
  const headers = (input as { headers?: unknown }).headers as HeadersLike | undefined;
  if (headers && typeof headers.get === 'function' && typeof (input as Request).url === 'string') {
    const request = input as Request;
    let host: string | null = null;
    let secure = false;
    try {
      const url = new URL(request.url);
      host = url.hostname;
      secure = url.protocol === 'https:';
    } catch {
      // A relative or odd URL: treat as not known to be local, so Secure stays on.
    }
    return {
      cookie: headers.get('cookie'),
      userAgent: headers.get('user-agent'),
      host,
      secure,
      authorization: headers.get('authorization'),
    };
  }
  return input as RequestContext;
}

/** Plain-http requests to these hosts may get cookies without Secure under cookie.secure 'auto'. */
export function isLoopbackHost(host: string | null | undefined): boolean {
  if (!host) return false;
  let name = host.toLowerCase();
  if (name.startsWith('[')) name = name.slice(1, name.indexOf(']'));
  else if (name.indexOf(':') !== name.lastIndexOf(':')) {
    // bare IPv6 without brackets: no port to strip
  } else {
    const colon = name.indexOf(':');
    if (colon !== -1) name = name.slice(0, colon);
  }
  return (
    name === 'localhost' ||
    name.endsWith('.localhost') ||
    name === '::1' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name)
  );
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerTokenOf(header: string | null | undefined): string | undefined {
  if (!header || header.length > 512) return undefined;
  const match = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(header);
  return match?.[1];
}

/** Where a request came from, as recorded in new sessions (user agent capped at 256 chars). */
export function clientOf(request: RequestContext): ClientInfo | undefined {
  if (!request.userAgent && !request.ip) return undefined;
  const client: ClientInfo = {};
  if (request.userAgent) client.userAgent = request.userAgent.slice(0, 256);
  if (request.ip) client.ip = request.ip;
  return client;
}
