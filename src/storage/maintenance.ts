import type { Orm } from './orm.ts';

/** Each table with expiring rows: its key and expiry columns. rate_limits holds the throttles' windows without Redis. */
const TABLES = [
  ...(['authorization_codes', 'access_tokens', 'refresh_tokens', 'sessions', 'oauth1_tokens', 'oauth1_nonces', 'device_codes'] as const).map((name) => ({ name, key: 'id', expires: 'expires_at' })),
  { name: 'rate_limits', key: 'bucket', expires: 'reset_at' },
  { name: 'login_sessions', key: 'sid', expires: 'expires_at' },
  { name: 'client_assertion_jtis', key: 'jti_hash', expires: 'expires_at' },
] as const;

/**
 * Deletes expired rows in batches, so a large backlog never holds one long write lock.
 * Each batch is one statement in its own transaction: on SQLite it takes the write lock before it reads (waiting
 * with busy_timeout, never failing on a stale snapshot), and the server's writers, which also take it first (BEGIN
 * IMMEDIATE, storage/sql.ts), get their turn between batches. Running beside live traffic costs callers no error.
 * Used refresh tokens stay until they expire: reuse detection needs them (RFC 9700 §4.14.2).
 */
export async function clearExpired(orm: Orm, opts: { now?: number; batchSize?: number } = {}): Promise<Record<string, number>> {
  const now = opts.now ?? Date.now();
  const batch = opts.batchSize ?? 1000;
  const conn = orm.em.getConnection();
  const counts: Record<string, number> = {};
  for (const { name, key, expires } of TABLES) {
    let total = 0;
    for (;;) {
      const res = await conn.execute(`delete from ${name} where ${key} in (select ${key} from ${name} where ${expires} < ? limit ?)`, [now, batch], 'run');
      const n = Number((res as { affectedRows?: number }).affectedRows ?? 0);
      total += n;
      if (n < batch) break;
    }
    counts[name] = total;
  }
  return counts;
}
