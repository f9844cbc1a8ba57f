/**
 * MongoStore: sessions in a MongoDB collection through the official driver. Expiry is
 * native (a TTL index on expiresAt) and also enforced on every read; partial updates use
 * $set / $unset on data.<key>, so concurrent requests changing different keys both keep
 * their change; writes are update-only / create-only with filtered single-document
 * operations.
 *
 *   const client = await new MongoClient(process.env.MONGODB_URL).connect();
 *   const store = new MongoStore({ collection: client.db('app').collection('sessions') });
 *
 * Each data value is kept as its JSON text under an encoded key: a key may contain '.',
 * start with '$', hold U+0000 or be empty, none of which an update path or BSON field
 * name allows, and a nested value may hold such keys too.
 */
import type { Collection, Filter } from 'mongodb';
import { jsonCodec } from '../core/codec.js';
import { SessionError, toStoreError, withTimeout } from '../core/errors.js';
import { setOwn } from '../core/own.js';
import type { Change, ClientInfo, SessionInfo, SessionRecord, Store } from '../core/store.js';

/** A session as stored. Times are epoch ms, except expiresAt: a Date, for the TTL index. */
export interface SessionDocument {
  _id: string;
  /** Encoded key → JSON text of the value. */
  data: Record<string, string>;
  /** JSON text of the flash messages, or null. */
  flash: string | null;
  userId?: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: Date;
  deadline: number;
  persistent: boolean;
  client?: ClientInfo;
}

export interface MongoStoreOptions {
  /** The collection to keep sessions in, e.g. client.db('app').collection('sessions'). */
  collection: Collection<SessionDocument>;
  /** Create the TTL index on expiresAt and the userId index on first use. Default true. */
  createIndexes?: boolean;
  /** Longest wait (ms) for one operation (server selection included) before an error. Default 5000. */
  timeout?: number;
  /** Most live sessions one user may have; creating one more ends their oldest. Default: no cap. */
  maxSessionsPerUser?: number;
  /** Clock in epoch ms; inject one in tests. */
  now?: () => number;
}

const STORE = 'MongoStore';
const DUPLICATE_KEY = 11000;
const MAX_TIME_EXPIRED = 50;

/** Makes a data key safe as a BSON field name and an update path segment (reversibly). */
export function encodeKey(key: string): string {
  if (key === '') return '%';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: U+0000 is one of the characters to escape.
  return key.replace(/[%.$\u0000]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`);
}

export function decodeKey(encoded: string): string {
  if (encoded === '%') return '';
  return encoded.replace(/%([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

export class MongoStore implements Store {
  readonly codec = jsonCodec;
  /** The manager adds no timer of its own: every call carries its own timeout. */
  readonly boundsLatency = true;
  readonly #collection: Collection<SessionDocument>;
  readonly #createIndexes: boolean;
  readonly #timeout: number;
  readonly #now: () => number;
  /** The cap on a user's live sessions this store enforces at create, if any. */
  readonly maxSessionsPerUser: number | undefined;
  #indexesReady: Promise<void> | undefined;
  #closed = false;

  constructor(options: MongoStoreOptions) {
    if (!options?.collection || typeof options.collection.findOne !== 'function') {
      throw new SessionError(
        'invalid-option',
        `${STORE}: pass { collection: client.db('app').collection('sessions') } (a connected MongoClient's collection)`,
      );
    }
    this.#collection = options.collection;
    this.#createIndexes = options.createIndexes ?? true;
    const timeout = options.timeout ?? 5000;
    if (!Number.isInteger(timeout) || timeout < 1) {
      throw new SessionError('invalid-option', `${STORE}: timeout must be a positive integer of ms (got ${timeout})`);
    }
    this.#timeout = timeout;
    const cap = options.maxSessionsPerUser;
    if (cap !== undefined && (!Number.isInteger(cap) || cap < 1)) {
      throw new SessionError('invalid-option', `${STORE}: maxSessionsPerUser must be a positive integer (got ${cap})`);
    }
    this.maxSessionsPerUser = cap;
    this.#now = options.now ?? Date.now;
  }

  async get(key: string): Promise<SessionRecord | undefined> {
    return this.#run('get', async (opts) => {
      const doc = await this.#collection.findOne(this.#live(key), opts);
      return doc ? recordOf(doc) : undefined;
    });
  }

  async create(key: string, record: SessionRecord): Promise<boolean> {
    return this.#run('create', async (opts) => {
      const doc = documentOf(key, record);
      let created: boolean;
      try {
        await this.#collection.insertOne(doc, opts);
        created = true;
      } catch (error) {
        if ((error as { code?: number }).code !== DUPLICATE_KEY) throw error;
        // The key exists: replace it only if it has expired (atomic on the one document).
        const now = this.#now();
        const expired: Filter<SessionDocument> = {
          _id: key,
          $or: [{ expiresAt: { $lte: new Date(now) } }, { deadline: { $lte: now } }],
        };
        created = (await this.#collection.replaceOne(expired, doc, opts)).matchedCount === 1;
      }
      if (created && record.userId !== undefined) await this.#enforceCap(key, record.userId, opts);
      return created;
    });
  }

  async update(key: string, record: SessionRecord, change: Change): Promise<boolean> {
    return this.#run('update', async (opts) => {
      const set: Record<string, unknown> = {
        lastSeenAt: record.lastSeenAt,
        expiresAt: new Date(record.expiresAt),
        persistent: record.persistent === true,
      };
      const unset: Record<string, ''> = {};
      if (change.cleared) set.data = encodeData(record.data);
      else {
        for (const field of change.deleted) unset[`data.${encodeKey(field)}`] = '';
        for (const [field, value] of change.set) set[`data.${encodeKey(field)}`] = JSON.stringify(value);
      }
      if (change.flash) set.flash = flashText(record);
      if (record.userId !== undefined) set.userId = record.userId;
      else unset.userId = '';
      if (record.client) set.client = record.client;
      else unset.client = '';
      const update = Object.keys(unset).length > 0 ? { $set: set, $unset: unset } : { $set: set };
      const updated = (await this.#collection.updateOne(this.#live(key), update, opts)).matchedCount === 1;
      if (updated && record.userId !== undefined) await this.#enforceCap(key, record.userId, opts);
      return updated;
    });
  }

  async touch(key: string, expiresAt: number, lastSeenAt: number): Promise<boolean> {
    return this.#run('touch', async (opts) => {
      const update = { $set: { expiresAt: new Date(expiresAt), lastSeenAt } };
      return (await this.#collection.updateOne(this.#live(key), update, opts)).matchedCount === 1;
    });
  }

  async destroy(key: string): Promise<boolean> {
    return this.#run(
      'destroy',
      async (opts) => (await this.#collection.deleteOne({ _id: key }, opts)).deletedCount === 1,
    );
  }

  async listByUser(userId: string): Promise<SessionInfo[]> {
    return this.#run('listByUser', async (opts) => {
      const docs = await this.#collection
        .find({ ...this.#liveFilter(), userId }, opts)
        .sort({ createdAt: 1, _id: 1 })
        .project<Pick<SessionDocument, '_id' | 'userId' | 'createdAt' | 'lastSeenAt' | 'expiresAt' | 'client'>>({
          data: 0,
          flash: 0,
        })
        .toArray();
      return docs.map((doc) => {
        const info: SessionInfo = {
          key: doc._id,
          userId,
          createdAt: doc.createdAt,
          lastSeenAt: doc.lastSeenAt,
          expiresAt: doc.expiresAt.getTime(),
        };
        if (doc.client) info.client = doc.client;
        return info;
      });
    });
  }

  async destroyByUser(userId: string, exceptKey?: string): Promise<number> {
    return this.#run('destroyByUser', async (opts) => {
      const filter: Filter<SessionDocument> = { ...this.#liveFilter(), userId };
      if (exceptKey !== undefined) filter._id = { $ne: exceptKey };
      return (await this.#collection.deleteMany(filter, opts)).deletedCount;
    });
  }

  async count(): Promise<number> {
    return this.#run('count', (opts) => this.#collection.countDocuments(this.#liveFilter(), opts));
  }

  /** Stops using the collection (the client stays open: it is the app's). */
  async close(): Promise<void> {
    this.#closed = true;
  }

  #liveFilter(): Filter<SessionDocument> {
    const now = this.#now();
    return { expiresAt: { $gt: new Date(now) }, deadline: { $gt: now } };
  }

  #live(key: string): Filter<SessionDocument> {
    return { _id: key, ...this.#liveFilter() };
  }

  async #enforceCap(key: string, userId: string, opts: { maxTimeMS: number }): Promise<void> {
    if (this.maxSessionsPerUser === undefined) return;
    const extra = await this.#collection
      .find({ ...this.#liveFilter(), userId, _id: { $ne: key } }, opts)
      .sort({ createdAt: -1, _id: -1 })
      .skip(this.maxSessionsPerUser - 1)
      .project<{ _id: string }>({ _id: 1 })
      .toArray();
    if (extra.length > 0) await this.#collection.deleteMany({ _id: { $in: extra.map((doc) => doc._id) } }, opts);
  }

  #ensureIndexes(): Promise<void> {
    if (!this.#createIndexes) return Promise.resolve();
    this.#indexesReady ??= this.#collection
      .createIndexes([
        // The server removes a document once expiresAt has passed (its TTL monitor runs about every minute).
        { key: { expiresAt: 1 }, name: 'sessionkit_expires_at', expireAfterSeconds: 0 },
        { key: { userId: 1 }, name: 'sessionkit_user_id', partialFilterExpression: { userId: { $exists: true } } },
      ])
      .then(() => undefined)
      .catch((error: unknown) => {
        this.#indexesReady = undefined;
        throw error;
      });
    return this.#indexesReady;
  }

  async #run<R>(operation: string, body: (opts: { maxTimeMS: number }) => Promise<R>): Promise<R> {
    if (this.#closed) throw new SessionError('store-unavailable', `${STORE} is closed (during ${operation})`);
    try {
      const run = async () => {
        await this.#ensureIndexes();
        return body({ maxTimeMS: this.#timeout });
      };
      return await withTimeout(run(), this.#timeout, operation);
    } catch (error) {
      throw mongoError(error, operation);
    }
  }
}

function mongoError(error: unknown, operation: string): SessionError {
  const e = error as { code?: unknown; name?: unknown; message?: unknown };
  if (e && (e.code === MAX_TIME_EXPIRED || e.name === 'MongoOperationTimeoutError')) {
    return new SessionError(
      'store-timeout',
      `session store did not answer ${operation} in time: ${String(e.message)}`,
      {
        cause: error,
        details: { operation },
      },
    );
  }
  return toStoreError(error, operation);
}

function encodeData(data: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const field of Object.keys(data)) setOwn(out, encodeKey(field), JSON.stringify(data[field]));
  return out;
}

function flashText(record: SessionRecord): string | null {
  return record.flash && Object.keys(record.flash).length > 0 ? JSON.stringify(record.flash) : null;
}

function documentOf(key: string, record: SessionRecord): SessionDocument {
  const doc: SessionDocument = {
    _id: key,
    data: encodeData(record.data),
    flash: flashText(record),
    createdAt: record.createdAt,
    lastSeenAt: record.lastSeenAt,
    expiresAt: new Date(record.expiresAt),
    deadline: record.deadline,
    persistent: record.persistent === true,
  };
  if (record.userId !== undefined) doc.userId = record.userId;
  if (record.client) doc.client = { ...record.client };
  return doc;
}

function recordOf(doc: SessionDocument): SessionRecord {
  const data: Record<string, unknown> = {};
  for (const [field, text] of Object.entries(doc.data)) {
    setOwn(data, decodeKey(field), JSON.parse(text));
  }
  const record: SessionRecord = {
    data,
    createdAt: doc.createdAt,
    lastSeenAt: doc.lastSeenAt,
    expiresAt: doc.expiresAt.getTime(),
    deadline: doc.deadline,
  };
  if (doc.flash !== null && doc.flash !== undefined) record.flash = JSON.parse(doc.flash) as SessionRecord['flash'];
  if (doc.userId !== undefined && doc.userId !== null) record.userId = doc.userId;
  if (doc.persistent) record.persistent = true;
  if (doc.client) record.client = { ...doc.client };
  return record;
}
