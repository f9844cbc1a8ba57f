/**
 * The row every SQL store keeps, and its conversion to and from a SessionRecord.
 * Data is a JSON object (so the database's JSON functions can change single keys);
 * flash and client are JSON text written whole; times are epoch milliseconds.
 */
import type { ClientInfo, SessionInfo, SessionRecord } from '../../core/store.js';

/** A row as drivers return it: integers may arrive as strings (pg bigint) or booleans as 0/1. */
export interface SessionRow {
  id?: string;
  data: unknown;
  flash: string | null;
  user_id: string | null;
  created_at: number | string;
  last_seen_at: number | string;
  expires_at: number | string;
  deadline: number | string;
  persistent: number | boolean | null;
  client: string | null;
}

/** The columns read back, in the order every store selects them. */
export const RECORD_COLUMNS =
  'data, flash, user_id, created_at, last_seen_at, expires_at, deadline, persistent, client';

/** The values written for one record, in the order of INSERT_COLUMNS. */
export const INSERT_COLUMNS = `id, ${RECORD_COLUMNS}`;

export function flashText(record: SessionRecord): string | null {
  return record.flash && Object.keys(record.flash).length > 0 ? JSON.stringify(record.flash) : null;
}

export function clientText(record: { client?: ClientInfo | undefined }): string | null {
  return record.client ? JSON.stringify(record.client) : null;
}

/** Turns a row into a record; `data` is the already decoded data object. */
export function recordOf(row: SessionRow, data: Record<string, unknown>): SessionRecord {
  const record: SessionRecord = {
    data,
    createdAt: Number(row.created_at),
    lastSeenAt: Number(row.last_seen_at),
    expiresAt: Number(row.expires_at),
    deadline: Number(row.deadline),
  };
  if (row.flash !== null) record.flash = JSON.parse(row.flash) as SessionRecord['flash'];
  if (row.user_id !== null) record.userId = row.user_id;
  if (row.persistent) record.persistent = true;
  if (row.client !== null) record.client = JSON.parse(row.client) as ClientInfo;
  return record;
}

/** Turns a row of a user listing (id, user_id, times, client) into a SessionInfo. */
export function infoOf(row: SessionRow): SessionInfo {
  const info: SessionInfo = {
    key: row.id as string,
    userId: row.user_id as string,
    createdAt: Number(row.created_at),
    lastSeenAt: Number(row.last_seen_at),
    expiresAt: Number(row.expires_at),
  };
  if (row.client !== null) info.client = JSON.parse(row.client) as ClientInfo;
  return info;
}

/** A JSON path addressing one top-level key, whatever characters it holds: $."the key". */
export function jsonPath(key: string): string {
  return `$.${JSON.stringify(key)}`;
}
