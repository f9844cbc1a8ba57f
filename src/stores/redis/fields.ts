/**
 * A session record as the fields of one Redis hash. Metadata uses one-letter fields, data
 * keys are stored as `.<key>` with the value encoded by the store's codec, so a commit can
 * write or delete a single data key without touching the others.
 *
 * The four times share two fields, split by what writes them: `c` holds createdAt and
 * deadline, written by create and by the update script only (so a hash without `c` is no
 * session: see RedisStore's data-only update), `t` holds lastSeenAt and expiresAt, written by
 * every commit and touch. The client (IP and user agent) changes only when `c` is written, so
 * it rides in `c` after the times: `<createdAt> <deadline>\n<ip>\n<userAgent>`. Fewer fields
 * make a smaller HGETALL reply, and the client pays for each string in it. An IP holding a
 * newline, which no HTTP request can carry, would not split back out: such a client keeps
 * the fields `a` and `i` of the older layout, which loads still read.
 */
import type { Codec } from '../../core/codec.js';
import { setOwn } from '../../core/own.js';
import type { Change, SessionRecord } from '../../core/store.js';

export const DATA_PREFIX = '.';

/** Metadata fields that are present only when the record has them. */
const OPTIONAL_META = ['u', 'p', 'a', 'i'] as const;

function optionalMeta(record: SessionRecord): Record<(typeof OPTIONAL_META)[number], string | undefined> {
  const apart = clientApart(record);
  return {
    u: record.userId,
    p: record.persistent ? '1' : undefined,
    a: apart ? record.client?.userAgent : undefined,
    i: apart ? record.client?.ip : undefined,
  };
}

/** The record's client goes in the fields `a` and `i` instead of in `c` (see the top). */
function clientApart(record: SessionRecord): boolean {
  return record.client?.ip?.includes('\n') === true;
}

function hasFlash(record: SessionRecord): boolean {
  return record.flash !== undefined && Object.keys(record.flash).length > 0;
}

/**
 * The value of field `c`: createdAt and deadline, epoch ms, space-separated, then the client
 * when the record has one: a newline, the IP, a newline, the user agent ('' for either when
 * absent).
 */
export function fixedValue(record: SessionRecord): string {
  const times = `${record.createdAt} ${record.deadline}`;
  const client = record.client;
  if (client === undefined || (client.ip === undefined && client.userAgent === undefined) || clientApart(record))
    return times;
  return `${times}\n${client.ip ?? ''}\n${client.userAgent ?? ''}`;
}

/** The value of field `t`: lastSeenAt and expiresAt, epoch ms, space-separated. */
export function movingTimes(lastSeenAt: number, expiresAt: number): string {
  return `${lastSeenAt} ${expiresAt}`;
}

/** The two numbers of a `c` or `t` value, or undefined when it is not one. */
export function parseTimes(value: string): [number, number] | undefined {
  return readTimes(value) >= 0 ? [pair[0] as number, pair[1] as number] : undefined;
}

/** The client a `c` value carries after its times, or undefined when it carries none. */
export function clientOf(value: string): SessionRecord['client'] {
  const end = value.indexOf('\n');
  return end < 0 ? undefined : clientFrom(value, end + 1);
}

/** Where `readTimes` leaves the two numbers it read (no array per call). */
const pair = new Float64Array(2);

/**
 * Reads the two numbers of a `c` or `t` value into `pair`. They end at the value's end or at
 * a newline (what follows is `c`'s client); answers where they end, or -1 when they are not
 * two numbers. Times are whole milliseconds, so plain digits are read in one pass (Number()
 * of two slices costs about twice as much); anything else goes through Number().
 */
function readTimes(value: string): number {
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
  let j = i + 1;
  for (; j < length; j++) {
    const digit = value.charCodeAt(j) - 48;
    if (digit < 0 || digit > 9) break;
    second = second * 10 + digit;
  }
  if (j === i + 1 || j - i - 1 > 15 || (j < length && value.charCodeAt(j) !== NEWLINE)) return readTimesSlowly(value);
  pair[0] = first;
  pair[1] = second;
  return j;
}

/**
 * `readTimes` over the bytes of a value (a Buffer reply), for plain digits only: -1 for
 * anything else, which the caller then reads as a string.
 */
function readTimeBytes(value: Buffer): number {
  const length = value.length;
  let first = 0;
  let i = 0;
  for (; i < length; i++) {
    const digit = (value[i] as number) - 48;
    if (digit < 0 || digit > 9) break;
    first = first * 10 + digit;
  }
  if (i === 0 || i > 15 || i > length - 2 || value[i] !== 32) return -1;
  let second = 0;
  let j = i + 1;
  for (; j < length; j++) {
    const digit = (value[j] as number) - 48;
    if (digit < 0 || digit > 9) break;
    second = second * 10 + digit;
  }
  if (j === i + 1 || j - i - 1 > 15 || (j < length && value[j] !== NEWLINE)) return -1;
  pair[0] = first;
  pair[1] = second;
  return j;
}

/** `readTimes` for values that are not two runs of at most 15 digits. */
function readTimesSlowly(value: string): number {
  const newline = value.indexOf('\n');
  const end = newline < 0 ? value.length : newline;
  const space = value.indexOf(' ');
  if (space < 1 || space >= end - 1) return -1;
  const first = Number(value.slice(0, space));
  const second = Number(value.slice(space + 1, end));
  if (!(Number.isFinite(first) && Number.isFinite(second))) return -1;
  pair[0] = first;
  pair[1] = second;
  return end;
}

/** Every field of the record, as flat field/value pairs. */
export function allFields(record: SessionRecord, codec: Codec): string[] {
  const out = ['c', fixedValue(record), 't', movingTimes(record.lastSeenAt, record.expiresAt)];
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
 * ('' when absent or carried in `c`, so the script deletes the older layout's `a` and `i`;
 * userId and the expiry times travel earlier), the values of `c` and `t`,
 * then the data and flash fields to delete (count first) and the field/value pairs to write.
 * A cleared session writes its flashes and data after the script has emptied the hash.
 */
export function updateArguments(record: SessionRecord, change: Change, codec: Codec): string[] {
  const meta = optionalMeta(record);
  const out = [
    meta.p ?? '',
    meta.a ?? '',
    meta.i ?? '',
    fixedValue(record),
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
 * Rebuilds a record from an HGETALL reply: a flat [field, value, ...] array of strings, or of
 * Buffers (the store's load asks for them: see RedisDriver.sendForBytes), or a Map / object
 * (RESP3, or a client that transforms replies). Undefined when the hash is
 * empty or not ours. Every load goes through here, so fields are told apart by their first
 * character and the times are read in place, without intermediate objects.
 */
export function fromReply(reply: unknown, codec: Codec): SessionRecord | undefined {
  let flat: unknown[];
  if (Array.isArray(reply)) flat = reply;
  else if (reply instanceof Map) flat = [...reply].flat();
  else if (reply && typeof reply === 'object') flat = Object.entries(reply).flat();
  else return undefined;
  const record: SessionRecord = { data: {}, createdAt: 0, lastSeenAt: 0, expiresAt: 0, deadline: 0 };
  const found =
    flat.length > 0 && flat[0] instanceof Uint8Array
      ? readBytes(flat as Uint8Array[], record, codec)
      : readStrings(flat, record, codec);
  return found === BOTH_TIMES ? record : undefined;
}

/** `found` bits: which of `c` and `t` a reply held, well-formed. */
const CREATED = 1;
const MOVING = 2;
const BOTH_TIMES = CREATED | MOVING;

/** Fills `record` from string fields; answers which time fields were well-formed. */
function readStrings(flat: unknown[], record: SessionRecord, codec: Codec): number {
  let found = 0;
  for (let k = 0; k + 1 < flat.length; k += 2) {
    const rawField = flat[k];
    const rawValue = flat[k + 1];
    const field = typeof rawField === 'string' ? rawField : String(rawField);
    const value = typeof rawValue === 'string' ? rawValue : String(rawValue);
    const first = field.charCodeAt(0);
    if (first === DATA_PREFIX_CODE) setOwn(record.data, field.slice(1), codec.decode(value));
    else if (field.length !== 1) continue;
    else if (first === C || first === T) {
      if (!readTimeField(record, first, value)) return 0;
      found |= first === C ? CREATED : MOVING;
    } else setMeta(record, first, value, codec);
  }
  return found;
}

/** `readStrings` for Buffer fields: only data and the metadata become strings. */
function readBytes(flat: Uint8Array[], record: SessionRecord, codec: Codec): number {
  let found = 0;
  for (let k = 0; k + 1 < flat.length; k += 2) {
    const field = flat[k] as Buffer;
    const value = flat[k + 1] as Buffer;
    const first = field[0];
    if (first === DATA_PREFIX_CODE) setOwn(record.data, field.toString(undefined, 1), codec.decode(value.toString()));
    else if (field.length !== 1) continue;
    else if (first === C || first === T) {
      const end = readTimeBytes(value);
      if (end < 0) {
        if (!readTimeField(record, first, value.toString())) return 0;
      } else {
        setTimes(record, first);
        if (first === C && end < value.length) setClient(record, value.toString(undefined, end + 1), 0);
      }
      found |= first === C ? CREATED : MOVING;
    } else setMeta(record, first as number, value.toString(), codec);
  }
  return found;
}

const DATA_PREFIX_CODE = DATA_PREFIX.charCodeAt(0);
const C = 'c'.charCodeAt(0);
const T = 't'.charCodeAt(0);
const NEWLINE = 10;
const [F, U, P, A, I] = [...'fupai'].map((letter) => letter.charCodeAt(0));

/** Reads a `c` or `t` value into the record, `c`'s client included; false when malformed. */
function readTimeField(record: SessionRecord, field: number, value: string): boolean {
  const end = readTimes(value);
  if (end < 0) return false;
  setTimes(record, field);
  if (field === C && end < value.length) setClient(record, value, end + 1);
  return true;
}

/** Moves the times `readTimes` left in `pair` into the record. */
function setTimes(record: SessionRecord, field: number): void {
  if (field === C) {
    record.createdAt = pair[0] as number;
    record.deadline = pair[1] as number;
  } else {
    record.lastSeenAt = pair[0] as number;
    record.expiresAt = pair[1] as number;
  }
}

/** The client in `<ip>\n<userAgent>` from `from` on ('' is absent), or undefined when both are. */
function clientFrom(value: string, from: number): SessionRecord['client'] {
  let split = value.indexOf('\n', from);
  if (split < 0) split = value.length;
  const ip = value.slice(from, split);
  const userAgent = value.slice(split + 1);
  if (ip === '' && userAgent === '') return undefined;
  const client: NonNullable<SessionRecord['client']> = {};
  if (userAgent !== '') client.userAgent = userAgent;
  if (ip !== '') client.ip = ip;
  return client;
}

function setClient(record: SessionRecord, value: string, from: number): void {
  const client = clientFrom(value, from);
  if (client) record.client = client;
}

/** Sets the optional metadata field whose one-letter name has this character code. */
function setMeta(record: SessionRecord, field: number, value: string, codec: Codec): void {
  switch (field) {
    case F:
      record.flash = codec.decode(value) as SessionRecord['flash'];
      break;
    case U:
      record.userId = value;
      break;
    case P:
      if (value === '1') record.persistent = true;
      break;
    case A:
      record.client ??= {};
      record.client.userAgent = value;
      break;
    case I:
      record.client ??= {};
      record.client.ip = value;
      break;
  }
}
