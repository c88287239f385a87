/**
 * The statements of a read-check-write transaction, written once for both engines: a body is a generator that yields
 * each statement (`const row = yield* tx.get(...)`) and an engine drives it (sql-sqlite.ts synchronously inside one
 * better-sqlite3 transaction, sql-pg.ts awaiting each step on one connection inside BEGIN … COMMIT).
 */
export interface Op { kind: 'get' | 'all' | 'run' | 'gate'; sql: string; params: unknown[]; lock?: string; share?: boolean; gate?: string }
export type Step<T> = Generator<Op, T, unknown>;

export interface Tx {
  /**
   * `lock`: the alias of the table whose row this transaction will change (PostgreSQL: FOR UPDATE OF it), or with
   * `share`, whose row must not change until it commits (FOR SHARE OF it: other readers holding it do not wait).
   */
  get<T>(sql: string, params?: unknown[], opts?: { lock?: string; share?: boolean; gate?: string }): Step<T | undefined>;
  all<T>(sql: string, params?: unknown[]): Step<T[]>;
  run(sql: string, params?: unknown[]): Step<number>;
  /**
   * A user's gate, closed until this transaction ends. Issuances pass a user's gate (`get`'s `gate`: a column
   * expression naming the user in the row it reads; PostgreSQL: a shared transaction-level advisory lock, taken in
   * that statement before its row lock). An ending of what a user holds (a deactivation, a grant's or a family's
   * revocation) closes the gate first (an exclusive one; `user` is an SQL expression of the user's id): issuances
   * arriving meanwhile queue in PostgreSQL's lock manager behind it, where row share locks let them pass a waiting
   * writer, so 30–40 overlapping issuances starved a deactivation until its statement timeout (attacker read 12, G2).
   * SQLite runs one transaction at a time and needs no gate.
   */
  gate(user: string, params?: unknown[]): Step<void>;
}

function* step<T>(op: Op): Step<T> { return (yield op) as T; }

export const tx: Tx = {
  get: <T>(sql: string, params: unknown[] = [], opts: { lock?: string; share?: boolean; gate?: string } = {}) => step<T | undefined>({ kind: 'get', sql, params, lock: opts.lock, share: opts.share, gate: opts.gate }),
  all: <T>(sql: string, params: unknown[] = []) => step<T[]>({ kind: 'all', sql, params }),
  run: (sql: string, params: unknown[] = []) => step<number>({ kind: 'run', sql, params }),
  gate: (user: string, params: unknown[] = []) => step<void>({ kind: 'gate', sql: user, params }),
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
