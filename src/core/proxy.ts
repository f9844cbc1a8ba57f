/**
 * Which client address to believe. X-Forwarded-For is only read when the app says it
 * sits behind proxies it trusts; by default the socket's peer address is the client.
 */

/**
 * false (default): ignore forwarding headers. true: trust every hop (the left-most
 * address is the client). A number: trust that many proxies in front of the app.
 * A function: trust the hops for which it returns true (checked right to left).
 */
export type TrustProxy = boolean | number | ((address: string) => boolean);

export function validateTrustProxy(trust: unknown): TrustProxy {
  if (trust === undefined) return false;
  if (typeof trust === 'boolean' || typeof trust === 'function') return trust as TrustProxy;
  if (typeof trust === 'number' && Number.isInteger(trust) && trust >= 0) return trust;
  throw new TypeError(
    'trustProxy must be a boolean, a number of hops (integer >= 0) or a function (address) => boolean',
  );
}

/** The client address given the peer address and the X-Forwarded-For header. */
export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | null | undefined,
  trust: TrustProxy,
): string | undefined {
  if (trust === false || trust === 0 || !forwardedFor || peer === undefined) return peer;
  const hops = forwardedFor
    .split(',')
    .map((hop) => hop.trim())
    .filter(Boolean);
  if (hops.length === 0) return peer;
  if (trust === true) return hops[0];
  if (typeof trust === 'number') {
    // The peer is the nearest proxy; each further trusted proxy appended one hop.
    const index = hops.length - trust;
    return index >= 0 ? hops[index] : hops[0];
  }
  let address = peer;
  for (let i = hops.length - 1; i >= 0 && trust(address); i--) address = hops[i] as string;
  return address;
}

/** Whether the proxy chain says the original request was https. */
export function forwardedSecure(
  peer: string | undefined,
  proto: string | null | undefined,
  trust: TrustProxy,
): boolean {
  if (trust === false || trust === 0 || !proto || peer === undefined) return false;
  if (typeof trust === 'function' && !trust(peer)) return false;
  return proto.split(',')[0]?.trim().toLowerCase() === 'https';
}
