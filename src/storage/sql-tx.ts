/**
 * The statements of a read-check-write transaction, written once for both engines: a body is a generator that yields
 * each statement (`const row = yield* tx.get(...)`) and an engine drives it (sql-sqlite.ts synchronously inside one
 * better-sqlite3 transaction, sql-pg.ts awaiting each step on one connection inside BEGIN … COMMIT).
 */
export interface Op { kind: 'get' | 'all' | 'run'; sql: string; params: unknown[]; lock?: string; share?: boolean }
export type Step<T> = Generator<Op, T, unknown>;

export interface Tx {
  /**
   * `lock`: the alias of the table whose row this transaction will change (PostgreSQL: FOR UPDATE OF it), or with
   * `share`, whose row must not change until it commits (FOR SHARE OF it: other readers holding it do not wait).
   */
  get<T>(sql: string, params?: unknown[], opts?: { lock?: string; share?: boolean }): Step<T | undefined>;
  all<T>(sql: string, params?: unknown[]): Step<T[]>;
  run(sql: string, params?: unknown[]): Step<number>;
}

function* step<T>(op: Op): Step<T> { return (yield op) as T; }

export const tx: Tx = {
  get: <T>(sql: string, params: unknown[] = [], opts: { lock?: string; share?: boolean } = {}) => step<T | undefined>({ kind: 'get', sql, params, lock: opts.lock, share: opts.share }),
  all: <T>(sql: string, params: unknown[] = []) => step<T[]>({ kind: 'all', sql, params }),
  run: (sql: string, params: unknown[] = []) => step<number>({ kind: 'run', sql, params }),
};

/** Drives a transaction body, handing each yielded statement to `exec` (sync or async engines alike). */
export function drive<T>(body: Step<T>, exec: (op: Op) => unknown): T {
  let r = body.next();
  while (!r.done) r = body.next(exec(r.value));
  return r.value;
}

export async function driveAsync<T>(body: Step<T>, exec: (op: Op) => Promise<unknown>): Promise<T> {
  let r = body.next();
  while (!r.done) r = body.next(await exec(r.value));
  return r.value;
}
