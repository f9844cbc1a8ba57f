/**
 * A minimal Go gob encoder/decoder: enough for what gorilla/securecookie carries for
 * gin-contrib/sessions. Encodes (a) a string (the session id of server-side stores) and
 * (b) map[interface{}]interface{} with string, int, bool, float64 values and
 * []interface{} flash lists. Decodes those plus the other builtin types, maps, slices
 * and arrays; structs are refused. See docs/gorilla-interop.md.
 *
 * Gob, briefly: a stream of messages, each `uint length` + `int typeId` + body. A
 * negative id defines a type (a wireType struct); a positive one is a value. uints of
 * < 128 are one byte, larger ones a negated byte count then big-endian bytes; ints are
 * zig-zagged into uints; floats are byte-reversed uints; structs are (field delta,
 * value)* 0. A non-struct top-level value is preceded by a 0 delta.
 */
import { SessionError } from '../core/errors.js';

/** Forces a number to travel as Go float64 (integral JS numbers otherwise go as int). */
export class GoFloat64 {
  constructor(readonly value: number) {}
}

/** A decoded or encodable Go value. Maps come back as JS Maps (Go keys need not be strings). */
export type GoValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | Uint8Array
  | GoFloat64
  | GoValue[]
  | Map<GoValue, GoValue>
  | { [key: string]: GoValue };

// Builtin type ids (encoding/gob type.go).
const BOOL = 1;
const INT = 2;
const UINT = 3;
const FLOAT = 4;
const BYTES = 5;
const STRING = 6;
const COMPLEX = 7;
const INTERFACE = 8;
const FIRST_USER_ID = 65;

function gobError(message: string): never {
  throw new SessionError('crypto', `gob: ${message}`, { details: { reason: 'decode' } });
}

const utf8Decoder = new TextDecoder('utf-8');
const utf8Encoder = new TextEncoder();

// ---------------------------------------------------------------- encoding

class Writer {
  bytes: number[] = [];
  uint(n: number | bigint): void {
    let v = BigInt(n);
    if (v < 0n) gobError('negative uint');
    if (v < 128n) {
      this.bytes.push(Number(v));
      return;
    }
    const out: number[] = [];
    while (v > 0n) {
      out.unshift(Number(v & 0xffn));
      v >>= 8n;
    }
    this.bytes.push(256 - out.length, ...out);
  }
  int(n: number | bigint): void {
    const v = BigInt(n);
    this.uint(v < 0n ? ((-v - 1n) << 1n) | 1n : v << 1n);
  }
  float(x: number): void {
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, x, false);
    let u = 0n;
    for (let i = 7; i >= 0; i--) u = (u << 8n) | BigInt(view.getUint8(i));
    this.uint(u);
  }
  raw(data: ArrayLike<number>): void {
    for (let i = 0; i < data.length; i++) this.bytes.push(data[i]);
  }
  string(s: string): void {
    const data = utf8Encoder.encode(s);
    this.uint(data.length);
    this.raw(data);
  }
}

/** Appends one message (length-prefixed) to the stream. */
function message(stream: Writer, body: Writer): void {
  stream.uint(body.bytes.length);
  stream.raw(body.bytes);
}

const MAP_ID = FIRST_USER_ID;
const SLICE_ID = FIRST_USER_ID + 1;
const SLICE_NAME = '[]interface {}';

/** wireType{MapT: mapType{CommonType{Id: 65}, Key: interface, Elem: interface}} */
function mapTypeDefinition(): Writer {
  const w = new Writer();
  w.int(-MAP_ID);
  w.uint(4); // wireType field 3: MapT
  w.uint(1); // mapType field 0: CommonType
  w.uint(2); // CommonType field 1: Id (Name is empty for unnamed types)
  w.int(MAP_ID);
  w.uint(0);
  w.uint(1); // Key
  w.int(INTERFACE);
  w.uint(1); // Elem
  w.int(INTERFACE);
  w.uint(0);
  w.uint(0);
  return w;
}

/** wireType{SliceT: sliceType{CommonType{Id: 66}, Elem: interface}} */
function sliceTypeDefinition(): Writer {
  const w = new Writer();
  w.int(-SLICE_ID);
  w.uint(2); // wireType field 1: SliceT
  w.uint(1);
  w.uint(2);
  w.int(SLICE_ID);
  w.uint(0);
  w.uint(1);
  w.int(INTERFACE);
  w.uint(0);
  w.uint(0);
  return w;
}

/** gob of a Go string, as boj/redistore and friends put the session id in their cookie. */
export function encodeGobString(value: string): Uint8Array {
  const body = new Writer();
  body.int(STRING);
  body.uint(0);
  body.string(value);
  const stream = new Writer();
  message(stream, body);
  return new Uint8Array(stream.bytes);
}

/**
 * gob of a map[interface{}]interface{} (gorilla/sessions' Values). Keys are strings;
 * values string, boolean, number (integral → int, else float64; GoFloat64 forces
 * float64), or arrays of those ([]interface{}, as flashes are kept). null → nil.
 */
export function encodeGobMap(values: Map<GoValue, GoValue> | Record<string, GoValue>): Uint8Array {
  const entries = values instanceof Map ? [...values] : Object.entries(values);
  const stream = new Writer();
  message(stream, mapTypeDefinition());
  // Go sends a type definition before the value that first needs it: here, []interface{}.
  if (entries.some(([, v]) => Array.isArray(v))) message(stream, sliceTypeDefinition());
  const body = new Writer();
  body.int(MAP_ID);
  body.uint(0);
  body.uint(entries.length);
  for (const [key, value] of entries) {
    encodeInterface(body, key, 'map key');
    encodeInterface(body, value, `value of ${String(key)}`);
  }
  message(stream, body);
  return new Uint8Array(stream.bytes);
}

function encodeInterface(w: Writer, value: GoValue, path: string): void {
  if (value === null || value === undefined) {
    w.uint(0);
    return;
  }
  const inner = new Writer();
  inner.uint(0);
  let name: string;
  let id: number;
  if (typeof value === 'string') {
    [name, id] = ['string', STRING];
    inner.string(value);
  } else if (typeof value === 'boolean') {
    [name, id] = ['bool', BOOL];
    inner.uint(value ? 1 : 0);
  } else if (typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value))) {
    [name, id] = ['int', INT];
    inner.int(value);
  } else if (typeof value === 'number' || value instanceof GoFloat64) {
    const x = typeof value === 'number' ? value : value.value;
    [name, id] = ['float64', FLOAT];
    inner.float(x);
  } else if (Array.isArray(value)) {
    [name, id] = [SLICE_NAME, SLICE_ID];
    inner.uint(value.length);
    for (let i = 0; i < value.length; i++) encodeInterface(inner, value[i], `${path}[${i}]`);
  } else {
    throw new SessionError(
      'unserializable-value',
      `gob: ${path} is not a string, int, bool, float64 or []interface{}; gorilla sessions cannot carry it here`,
      { details: { path } },
    );
  }
  w.string(name);
  w.int(id);
  w.uint(inner.bytes.length);
  w.raw(inner.bytes);
}

// ---------------------------------------------------------------- decoding

type WireType =
  | { kind: 'slice'; elem: number }
  | { kind: 'array'; elem: number; len: number }
  | { kind: 'map'; key: number; elem: number };

class Reader {
  pos = 0;
  constructor(
    readonly bytes: Uint8Array,
    public end = bytes.length,
  ) {}
  get done(): boolean {
    return this.pos >= this.end;
  }
  byte(): number {
    if (this.pos >= this.end) gobError('unexpected end of data');
    return this.bytes[this.pos++];
  }
  uintBig(): bigint {
    const first = this.byte();
    if (first < 128) return BigInt(first);
    const count = 256 - first;
    if (count > 8) gobError('uint too large');
    let v = 0n;
    for (let i = 0; i < count; i++) v = (v << 8n) | BigInt(this.byte());
    return v;
  }
  uint(): number {
    const v = this.uintBig();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) gobError('length or count too large');
    return Number(v);
  }
  intBig(): bigint {
    const u = this.uintBig();
    return u & 1n ? -(u >> 1n) - 1n : u >> 1n;
  }
  int(): number {
    const v = this.intBig();
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) gobError('type id out of range');
    return Number(v);
  }
  take(length: number): Uint8Array {
    if (length > this.end - this.pos) gobError('unexpected end of data');
    const out = this.bytes.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }
}

/** Decodes a gob stream holding one value. Integers beyond 2^53 come back as bigint. */
export function decodeGob(bytes: Uint8Array): GoValue {
  const types = new Map<number, WireType>();
  const stream = new Reader(bytes);
  while (!stream.done) {
    const length = stream.uint();
    if (length === 0 || length > stream.end - stream.pos) gobError('bad message length');
    const msg = new Reader(bytes, stream.pos + length);
    msg.pos = stream.pos;
    stream.pos += length;
    const id = msg.int();
    if (id < 0) {
      types.set(-id, readWireType(msg));
      if (!msg.done) gobError('extra data after type definition');
      continue;
    }
    if (msg.uint() !== 0) gobError('top-level structs are not supported');
    const value = decodeValue(msg, id, types, 0);
    if (!msg.done || !stream.done) gobError('extra data after value');
    return value;
  }
  return gobError('no value in stream');
}

/** Reads a struct's fields as (delta, value) pairs until the 0 delta. */
function readStruct(r: Reader, field: (index: number) => void): void {
  let index = -1;
  for (;;) {
    const delta = r.uint();
    if (delta === 0) return;
    index += delta;
    field(index);
  }
}

function readCommonType(r: Reader): void {
  readStruct(r, (i) => {
    if (i === 0) r.take(r.uint());
    else if (i === 1) r.int();
    else gobError('unknown CommonType field');
  });
}

function readWireType(r: Reader): WireType {
  let result: WireType | undefined;
  readStruct(r, (i) => {
    let elem = 0;
    let key = 0;
    let len = 0;
    const inner = (fields: (j: number) => void) =>
      readStruct(r, (j) => {
        if (j === 0) readCommonType(r);
        else fields(j);
      });
    if (i === 0) {
      inner((j) => (j === 1 ? (elem = r.int()) : j === 2 ? (len = r.int()) : gobError('bad arrayType')));
      result = { kind: 'array', elem, len };
    } else if (i === 1) {
      inner((j) => (j === 1 ? (elem = r.int()) : gobError('bad sliceType')));
      result = { kind: 'slice', elem };
    } else if (i === 3) {
      inner((j) => (j === 1 ? (key = r.int()) : j === 2 ? (elem = r.int()) : gobError('bad mapType')));
      result = { kind: 'map', key, elem };
    } else {
      gobError('structs and custom encoders are not supported');
    }
  });
  return result ?? gobError('empty type definition');
}

const MAX_DEPTH = 32;

function decodeValue(r: Reader, id: number, types: Map<number, WireType>, depth: number): GoValue {
  if (depth > MAX_DEPTH) gobError('nesting too deep');
  switch (id) {
    case BOOL: {
      const v = r.uint();
      if (v > 1) gobError('bad bool');
      return v === 1;
    }
    case INT: {
      const v = r.intBig();
      return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
    }
    case UINT: {
      const v = r.uintBig();
      return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
    }
    case FLOAT: {
      let u = r.uintBig();
      const view = new DataView(new ArrayBuffer(8));
      for (let i = 0; i < 8; i++) {
        view.setUint8(i, Number(u & 0xffn));
        u >>= 8n;
      }
      return view.getFloat64(0, false);
    }
    case BYTES:
      return new Uint8Array(r.take(r.uint()));
    case STRING:
      return utf8Decoder.decode(r.take(r.uint()));
    case COMPLEX:
      return gobError('complex numbers are not supported');
    case INTERFACE:
      return decodeInterface(r, types, depth);
  }
  const type = types.get(id) ?? gobError(`unknown type id ${id}`);
  if (type.kind === 'map') {
    const count = r.uint();
    const map = new Map<GoValue, GoValue>();
    for (let i = 0; i < count; i++) {
      const key = decodeValue(r, type.key, types, depth + 1);
      map.set(key, decodeValue(r, type.elem, types, depth + 1));
    }
    return map;
  }
  const count = r.uint();
  if (count > r.end - r.pos) gobError('slice longer than the data');
  const list: GoValue[] = [];
  for (let i = 0; i < count; i++) list.push(decodeValue(r, type.elem, types, depth + 1));
  return list;
}

function decodeInterface(r: Reader, types: Map<number, WireType>, depth: number): GoValue {
  const nameLength = r.uint();
  if (nameLength === 0) return null;
  r.take(nameLength);
  const id = r.int();
  if (id < 0) gobError('nested type definitions inside interface values are not supported');
  const length = r.uint();
  const inner = new Reader(r.bytes, r.pos + length);
  inner.pos = r.pos;
  if (inner.end > r.end) gobError('interface value longer than the data');
  r.pos += length;
  if (inner.uint() !== 0) gobError('structs inside interface values are not supported');
  const value = decodeValue(inner, id, types, depth + 1);
  if (!inner.done) gobError('extra data in interface value');
  return value;
}
