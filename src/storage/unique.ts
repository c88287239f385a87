import { ForeignKeyConstraintViolationException, UniqueConstraintViolationException } from '@mikro-orm/core';

/**
 * Whether an insert or update lost a race on a unique index: MikroORM's exception (entities), or the driver's own
 * error (raw SQL: PostgreSQL 23505, SQLite SQLITE_CONSTRAINT_UNIQUE). A repository turns it into the same answer
 * its check-first path gives, so the loser of a race sees "taken", never a 500 (issue 21 #3).
 */
export function isUniqueViolation(e: unknown): boolean {
  if (e instanceof UniqueConstraintViolationException) return true;
  const err = e as { code?: unknown; message?: unknown } | null;
  if (!err || typeof err !== 'object') return false;
  if (err.code === '23505' || err.code === 'SQLITE_CONSTRAINT_UNIQUE') return true;
  return typeof err.message === 'string' && /UNIQUE constraint failed|duplicate key value violates unique constraint/.test(err.message);
}

/**
 * Whether a write named a row that no longer exists (a foreign key): PostgreSQL 23503, SQLite
 * SQLITE_CONSTRAINT_FOREIGNKEY, or MikroORM's exception. Rows are only ever deleted with the client they belong to,
 * so a request that authenticated a client and then meets this lost a race with that client's deletion.
 */
export function isForeignKeyViolation(e: unknown): boolean {
  if (e instanceof ForeignKeyConstraintViolationException) return true;
  const err = e as { code?: unknown } | null;
  return !!err && typeof err === 'object' && (err.code === '23503' || err.code === 'SQLITE_CONSTRAINT_FOREIGNKEY');
}

/**
 * Whether PostgreSQL ended the statement to break a deadlock (40P01) or a serialization conflict (40001): the work
 * was rolled back whole and may simply be run again. A client's deletion meets it beside refresh rotations (its
 * cascade sets their grant null while a rotation holds the rows and waits for the grant).
 */
export function isRetryableConflict(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}

/** Runs `fn`, again (up to `attempts` times in all, after a short pause) when it lost a deadlock. */
export async function retryingConflicts<T>(fn: () => Promise<T>, attempts = 8): Promise<T> {
  for (let i = 1; ; i++) {
    try { return await fn(); } catch (e) {
      if (i >= attempts || !isRetryableConflict(e)) throw e;
      await new Promise((r) => setTimeout(r, 20 * i));
    }
  }
}
