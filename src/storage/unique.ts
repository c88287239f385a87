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
