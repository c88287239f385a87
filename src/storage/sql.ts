import type { Orm } from './orm.ts';

/**
 * Lean SQL for the hot paths (token, introspect, protected resources): prepared statements, no unit of work.
 * MikroORM owns the schema, migrations and the admin/page queries; these paths only need a few indexed
 * reads and inserts, and pay ~10 µs for them here instead of ~400 µs through entity hydration.
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
   * Runs `fn` as one transaction. On SQLite `fn` must stay synchronous (better-sqlite3 transactions are),
   * which also means no other request can interleave: the read-check-write is atomic by construction.
   */
  atomic<T>(fn: (tx: SyncSql) => T): Promise<T>;
}

export interface SyncSql {
  get<T>(sql: string, params?: unknown[]): T | undefined;
  all<T>(sql: string, params?: unknown[]): T[];
  run(sql: string, params?: unknown[]): number;
}

interface Statement { get(...p: unknown[]): unknown; all(...p: unknown[]): unknown[]; run(...p: unknown[]): { changes: number; lastInsertRowid: number | bigint } }
interface NativeSqlite { prepare(sql: string): Statement; transaction<F extends (...a: never[]) => unknown>(fn: F): F }

export async function createSql(orm: Orm): Promise<Sql> {
  const native = await (orm.em.getConnection() as unknown as { getNativeClient(): Promise<NativeSqlite> }).getNativeClient();
  const cache = new Map<string, Statement>();
  const stats = { statements: 0 };
  const stmt = (sql: string) => {
    stats.statements++;
    let s = cache.get(sql);
    if (!s) { s = native.prepare(sql); cache.set(sql, s); }
    return s;
  };
  const sync: SyncSql = {
    get: <T>(sql: string, params: unknown[] = []) => stmt(sql).get(...params) as T | undefined,
    all: <T>(sql: string, params: unknown[] = []) => stmt(sql).all(...params) as T[],
    run: (sql: string, params: unknown[] = []) => stmt(sql).run(...params).changes,
  };
  // Group commit: writes queued during one turn of the event loop share one transaction, so fifty concurrent
  // token requests pay for one WAL commit, not fifty. Each job runs in its own savepoint (a failing one rolls
  // back alone), and every caller's promise resolves only after the commit: nothing is answered before it is stored.
  type Job = { fn: (tx: SyncSql) => unknown; savepoint: boolean; resolve: (v: unknown) => void; reject: (e: unknown) => void; result?: unknown; error?: unknown; failed?: boolean };
  let queue: Job[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const jobs = queue;
    queue = [];
    try {
      native.transaction(() => {
        for (const j of jobs) {
          // A single statement that fails undoes itself (SQLite statement journal); several need a savepoint.
          try { j.result = j.savepoint ? native.transaction(() => j.fn(sync))() : j.fn(sync); } catch (e) { j.error = e; j.failed = true; }
        }
      })();
    } catch (e) {
      for (const j of jobs) j.reject(e);
      return;
    }
    for (const j of jobs) (j.failed ? j.reject(j.error) : j.resolve(j.result));
  };
  const enqueue = <T>(fn: (tx: SyncSql) => T, savepoint = true) => new Promise<T>((resolve, reject) => {
    queue.push({ fn, savepoint, resolve: resolve as (v: unknown) => void, reject });
    if (!scheduled) { scheduled = true; setImmediate(flush); }
  });
  return {
    dialect: 'sqlite',
    stats,
    get: async (sql, params) => sync.get(sql, params),
    all: async (sql, params) => sync.all(sql, params),
    run: (sql, params) => enqueue((tx) => tx.run(sql, params), false),
    insert: (sql, params = []) => enqueue(() => Number(stmt(sql).run(...params).lastInsertRowid), false),
    atomic: (fn) => enqueue(fn),
  };
}
