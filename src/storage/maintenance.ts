import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Orm } from './orm.ts';
import { retryingConflicts } from './unique.ts';

/** Each table with expiring rows: its key and expiry columns. rate_limits holds the throttles' windows without Redis. */
const TABLES = [
  ...(['authorization_codes', 'access_tokens', 'refresh_tokens', 'sessions', 'oauth1_tokens', 'oauth1_nonces', 'device_codes', 'dpop_proofs'] as const).map((name) => ({ name, key: 'id', expires: 'expires_at' })),
  { name: 'rate_limits', key: 'bucket', expires: 'reset_at' },
  { name: 'login_sessions', key: 'sid', expires: 'expires_at' },
  { name: 'client_assertion_jtis', key: 'jti_hash', expires: 'expires_at' },
] as const;

/**
 * Deletes expired rows in batches, so a large backlog never holds one long write lock.
 * Each batch is one statement in its own transaction: on SQLite it takes the write lock before it reads (waiting
 * with busy_timeout, never failing on a stale snapshot), and the server's writers, which also take it first (BEGIN
 * IMMEDIATE, storage/sql-sqlite.ts), get their turn between batches. Running beside live traffic costs callers no error.
 * Used refresh tokens stay until they expire: reuse detection needs them (RFC 9700 §4.14.2).
 */
export async function clearExpired(orm: Orm, opts: { now?: number; batchSize?: number } = {}): Promise<Record<string, number>> {
  const now = opts.now ?? Date.now();
  const conn = orm.em.getConnection();
  const counts: Record<string, number> = {};
  for (const { name, key, expires } of TABLES) counts[name] = await deleteInBatches(conn, name, `${expires} < ?`, [now], { key, batchSize: opts.batchSize });
  return counts;
}

type Connection = ReturnType<Orm['em']['getConnection']>;

/**
 * Deletes the rows of `table` matching `where`, at most `batchSize` a statement, each in its own transaction, until a
 * statement finds fewer: no lock is held for the whole set, and other writers get their turn between batches.
 * `maxBatches` bounds the work where new matching rows may keep arriving (what is left is the caller's to finish).
 */
export async function deleteInBatches(conn: Connection, table: string, where: string, params: unknown[], opts: { key?: string; batchSize?: number; maxBatches?: number } = {}): Promise<number> {
  const { key = 'id', batchSize = 1000, maxBatches = Infinity } = opts;
  let total = 0;
  for (let i = 0; i < maxBatches; i++) {
    const res = await retryingConflicts(() => conn.execute(`delete from ${table} where ${key} in (select ${key} from ${table} where ${where} limit ?)`, [...params, batchSize], 'run'));
    const n = Number((res as { affectedRows?: number }).affectedRows ?? 0);
    total += n;
    if (n < batchSize) break;
    // SQLite answers in-process without leaving the event loop: requests waiting on it are served between batches.
    await nextTurn();
  }
  return total;
}
