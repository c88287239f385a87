import type { TokenKind } from '../storage/admin-store.ts';

/**
 * The one rule for ids a caller sends (`ID` arguments, filters, token ids): a row id is a decimal integer from 1
 * to 2^31 - 1, the range of PostgreSQL's `integer` (int4) primary keys. Anything else names no row, so it is simply
 * not found: handing the database 99999999999 or "abc" for an integer column is an error there (a 500), not an
 * empty answer (issue 17 #13).
 */
export const MAX_ROW_ID = 2_147_483_647;

/** Matches no row, yet is a valid integer for every database: lookups and filters with it find nothing. */
export const NO_ROW = -1;

/** The row id `value` names, or NO_ROW. */
export function rowId(value: unknown): number {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !/^[1-9]\d{0,9}$/.test(text)) return NO_ROW;
  const id = Number(text);
  return id <= MAX_ROW_ID ? id : NO_ROW;
}

const TOKEN_ID = /^(access|refresh|oauth1):(\d+)$/;

/** A token's opaque id (`access:12`, as storage/admin-views.ts builds it) as its kind and row id, or null if it names none. */
export function tokenId(value: unknown): { kind: TokenKind; id: number } | null {
  const m = typeof value === 'string' ? TOKEN_ID.exec(value) : null;
  const id = m ? rowId(m[2]) : NO_ROW;
  return id === NO_ROW ? null : { kind: m![1].toUpperCase() as TokenKind, id };
}
