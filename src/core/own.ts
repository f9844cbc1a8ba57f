/**
 * Sets `target[key] = value` as an own, plain property. Plain assignment would treat a key
 * named `__proto__` as the prototype: session data comes from users, so every store that
 * rebuilds an object from stored keys goes through here.
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}
