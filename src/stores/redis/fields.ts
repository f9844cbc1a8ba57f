/**
 * A session record as the fields of one Redis hash. Metadata uses one-letter fields, data
 * keys are stored as `.<key>` with the value encoded by the store's codec, so a commit can
 * write or delete a single data key without touching the others.
 *
 * The four times share two fields, split by what writes them: `c` holds createdAt and
 * deadline, written by create and by the update script only (so a hash without `c` is no
 * session: see RedisStore's data-only update), `t` holds lastSeenAt and expiresAt, written by
 * every commit and touch. Fewer fields make a smaller HGETALL reply, and the client pays for
 * each string in it.
 */
import type { Codec } from '../../core/codec.js';
import { setOwn } from '../../core/own.js';
import type { Change, SessionRecord } from '../../core/store.js';

export const DATA_PREFIX = '.';

/** Metadata fields that are present only when the record has them. */
const OPTIONAL_META = ['u', 'p', 'a', 'i'] as const;

function optionalMeta(record: SessionRecord): Record<(typeof OPTIONAL_META)[number], string | undefined> {
  return {
    u: record.userId,
    p: record.persistent ? '1' : undefined,
    a: record.client?.userAgent,
    i: record.client?.ip,
  };
}

function hasFlash(record: SessionRecord): boolean {
  return record.flash !== undefined && Object.keys(record.flash).length > 0;
}

/** The value of field `c`: createdAt and deadline, epoch ms, space-separated. */
export function fixedTimes(record: SessionRecord): string {
  return `${record.createdAt} ${record.deadline}`;
}

/** The value of field `t`: lastSeenAt and expiresAt, epoch ms, space-separated. */
export function movingTimes(lastSeenAt: number, expiresAt: number): string {
  return `${lastSeenAt} ${expiresAt}`;
}

/** The two numbers of a `c` or `t` value, or undefined when it is not one. */
export function parseTimes(value: string): [number, number] | undefined {
  return readTimes(value) ? [pair[0] as number, pair[1] as number] : undefined;
}

/** Where `readTimes` leaves the two numbers it read (no array per call). */
const pair = new Float64Array(2);

/**
 * Reads the two numbers of a `c` or `t` value into `pair`; false when it is not two
 * numbers. Times are whole milliseconds, so plain digits are read in one pass (Number() of
 * two slices costs about twice as much); anything else goes through Number().
 */
function readTimes(value: string): boolean {
  const length = value.length;
  let first = 0;
  let i = 0;
  for (; i < length; i++) {
    const digit = value.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) break;
    first = first * 10 + digit;
  }
  if (i === 0 || i > 15 || i > length - 2 || value.charCodeAt(i) !== 32) return readTimesSlowly(value);
  let second = 0;
  for (let j = i + 1; j < length; j++) {
    const digit = value.charCodeAt(j) - 48;
    if (digit < 0 || digit > 9) return readTimesSlowly(value);
    second = second * 10 + digit;
  }
  if (length - i - 1 > 15) return readTimesSlowly(value);
  pair[0] = first;
  pair[1] = second;
  return true;
}

/** `readTimes` for values that are not two runs of at most 15 digits. */
function readTimesSlowly(value: string): boolean {
  const space = value.indexOf(' ');
  if (space < 1 || space === value.length - 1) return false;
  const first = Number(value.slice(0, space));
  const second = Number(value.slice(space + 1));
  if (!(Number.isFinite(first) && Number.isFinite(second))) return false;
  pair[0] = first;
  pair[1] = second;
  return true;
}

/** Every field of the record, as flat field/value pairs. */
export function allFields(record: SessionRecord, codec: Codec): string[] {
  const out = ['c', fixedTimes(record), 't', movingTimes(record.lastSeenAt, record.expiresAt)];
  const meta = optionalMeta(record);
  for (const field of OPTIONAL_META) {
    const value = meta[field];
    if (value !== undefined) out.push(field, value);
  }
  pushContent(out, record, codec);
  return out;
}

/** Appends the record's flashes (when any) and data keys as field/value pairs. */
function pushContent(out: string[], record: SessionRecord, codec: Codec): void {
  if (hasFlash(record)) out.push('f', codec.encode(record.flash));
  for (const key in record.data) out.push(DATA_PREFIX + key, codec.encode(record.data[key]));
}

/**
 * The update script's arguments after `cleared`: persistent, userAgent and ip by position
 * ('' when absent; userId and the expiry times travel earlier), the values of `c` and `t`,
 * then the data and flash fields to delete (count first) and the field/value pairs to write.
 * A cleared session writes its flashes and data after the script has emptied the hash.
 */
export function updateArguments(record: SessionRecord, change: Change, codec: Codec): string[] {
  const out = [
    record.persistent ? '1' : '',
    record.client?.userAgent ?? '',
    record.client?.ip ?? '',
    fixedTimes(record),
    movingTimes(record.lastSeenAt, record.expiresAt),
  ];
  if (change.cleared) {
    // The script empties the hash and writes the times and optional metadata itself: what
    // it still needs is the flashes and the data.
    out.push('0');
    pushContent(out, record, codec);
    return out;
  }
  const deleted: string[] = [];
  const set: string[] = [];
  pushChanges(set, deleted, record, change, codec);
  out.push(String(deleted.length), ...deleted, ...set);
  return out;
}

/** Appends what one request changed: flashes and data keys to write, fields to delete. */
function pushChanges(set: string[], deleted: string[], record: SessionRecord, change: Change, codec: Codec): void {
  if (change.flash) {
    if (hasFlash(record)) set.push('f', codec.encode(record.flash));
    else deleted.push('f');
  }
  for (const key of change.deleted) deleted.push(DATA_PREFIX + key);
  for (const [key, value] of change.set) set.push(DATA_PREFIX + key, codec.encode(value));
}

/**
 * The fields of an update that changes only data, flashes and times: `set` as field/value
 * pairs, `t` first (always present in a stored session, so HSET counts it as new only when
 * the hash was gone), and the fields to delete. `c` is not written.
 */
export function contentUpdate(
  record: SessionRecord,
  change: Change,
  codec: Codec,
): { set: string[]; deleted: string[] } {
  const set = ['t', movingTimes(record.lastSeenAt, record.expiresAt)];
  const deleted: string[] = [];
  pushChanges(set, deleted, record, change, codec);
  return { set, deleted };
}

/**
 * Rebuilds a record from an HGETALL reply: a flat [field, value, ...] array (RESP2), or a
 * Map / object (RESP3, or a client that transforms replies). Undefined when the hash is
 * empty or not ours. Every load goes through here, so data fields are told apart by their
 * first character, the others by name, and the times are read in place, without
 * intermediate objects.
 */
export function fromReply(reply: unknown, codec: Codec): SessionRecord | undefined {
  let flat: unknown[];
  if (Array.isArray(reply)) flat = reply;
  else if (reply instanceof Map) flat = [...reply].flat();
  else if (reply && typeof reply === 'object') flat = Object.entries(reply).flat();
  else return undefined;
  const data: Record<string, unknown> = {};
  let c: string | undefined;
  let t: string | undefined;
  let f: string | undefined;
  let u: string | undefined;
  let p: string | undefined;
  let a: string | undefined;
  let ip: string | undefined;
  for (let k = 0; k + 1 < flat.length; k += 2) {
    const rawField = flat[k];
    const rawValue = flat[k + 1];
    const field = typeof rawField === 'string' ? rawField : String(rawField);
    const value = typeof rawValue === 'string' ? rawValue : String(rawValue);
    if (field.charCodeAt(0) === DATA_PREFIX_CODE) {
      setOwn(data, field.slice(1), codec.decode(value));
      continue;
    }
    switch (field) {
      case 'c':
        c = value;
        break;
      case 't':
        t = value;
        break;
      case 'f':
        f = value;
        break;
      case 'u':
        u = value;
        break;
      case 'p':
        p = value;
        break;
      case 'a':
        a = value;
        break;
      case 'i':
        ip = value;
        break;
    }
  }
  if (c === undefined || t === undefined || !readTimes(c)) return undefined;
  const createdAt = pair[0] as number;
  const deadline = pair[1] as number;
  if (!readTimes(t)) return undefined;
  const record: SessionRecord = {
    data,
    createdAt,
    lastSeenAt: pair[0] as number,
    expiresAt: pair[1] as number,
    deadline,
  };
  if (f !== undefined) record.flash = codec.decode(f) as SessionRecord['flash'];
  if (u !== undefined) record.userId = u;
  if (p === '1') record.persistent = true;
  if (a !== undefined || ip !== undefined) {
    record.client = {};
    if (a !== undefined) record.client.userAgent = a;
    if (ip !== undefined) record.client.ip = ip;
  }
  return record;
}

const DATA_PREFIX_CODE = DATA_PREFIX.charCodeAt(0);
