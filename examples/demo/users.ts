/**
 * The demo's users: salted scrypt password hashes, kept in memory and seeded at start-up.
 * A real app keeps them in its database; the session only ever holds the user's id.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export interface User {
  id: string;
  username: string;
  name: string;
  email: string;
  roles: string[];
  /** scrypt$N$r$p$salt$hash, base64url parts. */
  passwordHash: string;
}

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 };

function scryptAsync(password: string, salt: Buffer, N: number, r: number, p: number, keylen: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, keylen, { N, r, p, maxmem: 64 * 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const { N, r, p, keylen } = SCRYPT;
  const hash = await scryptAsync(password, salt, N, r, p, keylen);
  return ['scrypt', N, r, p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scryptAsync(
    password,
    Buffer.from(salt, 'base64url'),
    Number(n),
    Number(r),
    Number(p),
    expected.length,
  );
  return timingSafeEqual(actual, expected);
}

/** The accounts every fresh demo has; printed at start-up. */
export const DEMO_ACCOUNTS = [
  {
    username: 'alice',
    password: 'wonderland-2026',
    name: 'Alice Liddell',
    email: 'alice@example.com',
    roles: ['admin', 'user'],
  },
  { username: 'bob', password: 'builder-2026', name: 'Bob Builder', email: 'bob@example.com', roles: ['user'] },
] as const;

export class UserDirectory {
  readonly #byId = new Map<string, User>();
  readonly #byName = new Map<string, User>();
  /** Hashed once, so an unknown username costs as much as a wrong password. */
  #decoy: Promise<string> | undefined;

  static async seeded(): Promise<UserDirectory> {
    const directory = new UserDirectory();
    for (const [index, account] of DEMO_ACCOUNTS.entries()) {
      directory.add({
        id: `u${index + 1}`,
        username: account.username,
        name: account.name,
        email: account.email,
        roles: [...account.roles],
        passwordHash: await hashPassword(account.password),
      });
    }
    return directory;
  }

  add(user: User): void {
    this.#byId.set(user.id, user);
    this.#byName.set(user.username.toLowerCase(), user);
  }

  byId(id: string | undefined): User | undefined {
    return id === undefined ? undefined : this.#byId.get(id);
  }

  list(): User[] {
    return [...this.#byId.values()];
  }

  /** The user when the password matches, else undefined (same cost either way). */
  async authenticate(username: unknown, password: unknown): Promise<User | undefined> {
    if (typeof username !== 'string' || typeof password !== 'string' || password.length > 1024) return undefined;
    const user = this.#byName.get(username.trim().toLowerCase());
    if (!user) {
      this.#decoy ??= hashPassword('decoy password');
      await verifyPassword(password, await this.#decoy);
      return undefined;
    }
    return (await verifyPassword(password, user.passwordHash)) ? user : undefined;
  }

  update(id: string, changes: Pick<User, 'name' | 'email'>): User | undefined {
    const user = this.#byId.get(id);
    if (!user) return undefined;
    user.name = changes.name;
    user.email = changes.email;
    return user;
  }
}

/** Validates a profile update; returns the cleaned values or the list of problems. */
export function validateProfile(
  input: Record<string, unknown>,
): { ok: true; name: string; email: string } | { ok: false; errors: string[] } {
  const errors: string[] = [];
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  const email = typeof input.email === 'string' ? input.email.trim() : '';
  if (name.length < 1 || name.length > 60) errors.push('Name must be 1 to 60 characters.');
  else if ([...name].some((c) => c < ' ' || c === '<' || c === '>'))
    errors.push('Name may not contain control characters or angle brackets.');
  if (email.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email))
    errors.push('Email must look like name@example.com.');
  return errors.length ? { ok: false, errors } : { ok: true, name, email };
}
