import type { Orm } from './orm.ts';
import { createPgSql, type PgPool } from './sql-pg.ts';
import { createSqliteSql, type NativeSqlite } from './sql-sqlite.ts';
import type { Step, Tx } from './sql-tx.ts';

export { tx, type Op, type Step, type Tx } from './sql-tx.ts';

/**
 * Lean SQL for the hot paths (token, introspect, protected resources): prepared statements, no unit of work.
 * MikroORM owns the schema, migrations and the admin/page queries; these paths only need a few indexed
 * reads and inserts, and pay ~10 µs for them here instead of ~400 µs through entity hydration.
 * Statements are written once with `?` placeholders in the SQL both dialects share.
 */
export interface Sql {
  readonly dialect: 'sqlite' | 'postgresql';
  /** Statements run so far (tests count them to prove batching; costs one increment). */
  readonly stats: { statements: number };
  get<T>(sql: string, params?: unknown[]): Promise<T | undefined>;
  all<T>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Returns the number of changed rows. */
  run(sql: string, params?: unknown[]): Promise<number>;
  /** Runs an INSERT and returns the new row's id. */
  insert(sql: string, params?: unknown[]): Promise<number>;
  /**
   * Runs a read-check-write as one transaction. `fn` is a generator that yields each statement
   * (`const row = yield* tx.get(...)`), so one body serves both engines: on SQLite it runs synchronously
   * inside one better-sqlite3 transaction (nothing can interleave), on PostgreSQL each step awaits its own
   * connection inside BEGIN … COMMIT, and rows read with `lock` are held with SELECT … FOR UPDATE.
   */
  atomic<T>(fn: (tx: Tx) => Step<T>): Promise<T>;
  /**
   * SQLite only: PRAGMA data_version, which changes when another connection (the CLI, a script, the sqlite3 shell)
   * has committed since this one last asked, and not for this connection's own commits.
   */
  readonly dataVersion?: () => number;
}

export async function createSql(orm: Orm, dialect: 'sqlite' | 'postgresql' = 'sqlite'): Promise<Sql> {
  const native = await (orm.em.getConnection() as unknown as { getNativeClient(): Promise<unknown> }).getNativeClient();
  return dialect === 'postgresql' ? await createPgSql(native as PgPool) : createSqliteSql(native as NativeSqlite);
}
