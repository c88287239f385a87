import type { Sql } from './sql.ts';
import { drive, tx, type Op } from './sql-tx.ts';

// SQLite through better-sqlite3: prepared statements cached by text, reads run at once, writes share a group commit.

interface Statement { get(...p: unknown[]): unknown; all(...p: unknown[]): unknown[]; run(...p: unknown[]): { changes: number; lastInsertRowid: number | bigint } }
type Transaction<F> = F & { immediate: F };
export interface NativeSqlite { prepare(sql: string): Statement; transaction<F extends (...a: never[]) => unknown>(fn: F): Transaction<F>; pragma(sql: string, o: { simple: true }): unknown }

export function createSqliteSql(native: NativeSqlite): Sql {
  const cache = new Map<string, Statement>();
  const stats = { statements: 0 };
  const stmt = (sql: string) => {
    stats.statements++;
    let s = cache.get(sql);
    if (!s) { s = native.prepare(sql); cache.set(sql, s); }
    return s;
  };
  const exec = (op: Op): unknown => {
    // One transaction at a time: no gate to close or pass (sql-tx.ts).
    if (op.kind === 'gate') return undefined;
    const s = stmt(op.sql);
    return op.kind === 'get' ? s.get(...op.params) : op.kind === 'all' ? s.all(...op.params) : s.run(...op.params).changes;
  };
  // Group commit: writes queued during one turn of the event loop share one transaction, so fifty concurrent
  // token requests pay for one WAL commit, not fifty. Each job runs in its own savepoint (a failing one rolls
  // back alone), and every caller's promise resolves only after the commit: nothing is answered before it is stored.
  type Job = { fn: () => unknown; savepoint: boolean; resolve: (v: unknown) => void; reject: (e: unknown) => void; result?: unknown; error?: unknown; failed?: boolean };
  let queue: Job[] = [];
  let scheduled = false;
  // Built once: better-sqlite3's transaction() makes a new wrapper each call. Called inside `runJobs`, `savepoint`
  // opens a SAVEPOINT rather than a transaction.
  const savepoint = native.transaction((fn: () => unknown) => fn());
  const runJobs = native.transaction((jobs: Job[]) => {
    for (const j of jobs) {
      // A single statement that fails undoes itself (SQLite statement journal); several need a savepoint.
      try { j.result = j.savepoint ? savepoint(j.fn) : j.fn(); } catch (e) { j.error = e; j.failed = true; }
    }
  });
  const flush = () => {
    scheduled = false;
    const jobs = queue;
    queue = [];
    try {
      // BEGIN IMMEDIATE: the write lock is taken first, waiting (busy_timeout) while another process holds it. A
      // deferred BEGIN reads first and then upgrades, which SQLite refuses at once, without waiting, when another
      // connection (the cleartokens CLI) wrote meanwhile: SQLITE_BUSY or SQLITE_BUSY_SNAPSHOT (issue 17 #13).
      runJobs.immediate(jobs);
    } catch (e) {
      for (const j of jobs) j.reject(e);
      return;
    }
    for (const j of jobs) (j.failed ? j.reject(j.error) : j.resolve(j.result));
  };
  const enqueue = <T>(fn: () => T, savepoint = true) => new Promise<T>((resolve, reject) => {
    queue.push({ fn, savepoint, resolve: resolve as (v: unknown) => void, reject });
    if (!scheduled) { scheduled = true; setImmediate(flush); }
  });
  return {
    dialect: 'sqlite',
    stats,
    get: async <T>(sql: string, params: unknown[] = []) => stmt(sql).get(...params) as T | undefined,
    all: async <T>(sql: string, params: unknown[] = []) => stmt(sql).all(...params) as T[],
    run: (sql, params = []) => enqueue(() => stmt(sql).run(...params).changes, false),
    insert: (sql, params = []) => enqueue(() => Number(stmt(sql).run(...params).lastInsertRowid), false),
    atomic: (fn) => enqueue(() => drive(fn(tx), exec)),
    dataVersion: () => Number(native.pragma('data_version', { simple: true })),
  };
}
