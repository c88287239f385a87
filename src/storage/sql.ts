import type { Orm } from './orm.ts';

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

export interface Op { kind: 'get' | 'all' | 'run'; sql: string; params: unknown[]; lock?: string }
export type Step<T> = Generator<Op, T, unknown>;

export interface Tx {
  /** `lock`: the alias of the table whose row this transaction will change (PostgreSQL: FOR UPDATE OF it). */
  get<T>(sql: string, params?: unknown[], opts?: { lock?: string }): Step<T | undefined>;
  all<T>(sql: string, params?: unknown[]): Step<T[]>;
  run(sql: string, params?: unknown[]): Step<number>;
}

function* step<T>(op: Op): Step<T> { return (yield op) as T; }

export const tx: Tx = {
  get: <T>(sql: string, params: unknown[] = [], opts: { lock?: string } = {}) => step<T | undefined>({ kind: 'get', sql, params, lock: opts.lock }),
  all: <T>(sql: string, params: unknown[] = []) => step<T[]>({ kind: 'all', sql, params }),
  run: (sql: string, params: unknown[] = []) => step<number>({ kind: 'run', sql, params }),
};

/** Drives a transaction body, handing each yielded statement to `exec` (sync or async engines alike). */
function drive<T>(body: Step<T>, exec: (op: Op) => unknown): T {
  let r = body.next();
  while (!r.done) r = body.next(exec(r.value));
  return r.value;
}

async function driveAsync<T>(body: Step<T>, exec: (op: Op) => Promise<unknown>): Promise<T> {
  let r = body.next();
  while (!r.done) r = body.next(await exec(r.value));
  return r.value;
}

export async function createSql(orm: Orm, dialect: 'sqlite' | 'postgresql' = 'sqlite'): Promise<Sql> {
  const native = await (orm.em.getConnection() as unknown as { getNativeClient(): Promise<unknown> }).getNativeClient();
  return dialect === 'postgresql' ? await createPgSql(native as PgPool) : createSqliteSql(native as NativeSqlite);
}

// ---------------------------------------------------------------------------------------------- SQLite

interface Statement { get(...p: unknown[]): unknown; all(...p: unknown[]): unknown[]; run(...p: unknown[]): { changes: number; lastInsertRowid: number | bigint } }
type Transaction<F> = F & { immediate: F };
interface NativeSqlite { prepare(sql: string): Statement; transaction<F extends (...a: never[]) => unknown>(fn: F): Transaction<F>; pragma(sql: string, o: { simple: true }): unknown }

function createSqliteSql(native: NativeSqlite): Sql {
  const cache = new Map<string, Statement>();
  const stats = { statements: 0 };
  const stmt = (sql: string) => {
    stats.statements++;
    let s = cache.get(sql);
    if (!s) { s = native.prepare(sql); cache.set(sql, s); }
    return s;
  };
  const exec = (op: Op): unknown => {
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

// ------------------------------------------------------------------------------------------ PostgreSQL

interface PgResult { rows: Record<string, unknown>[]; rowCount: number | null }
interface PgQuery { text: string; name?: string; values: unknown[]; types: unknown }
/** Distinct statement texts prepared by name on each connection; later ones run unnamed. */
const NAMED_MAX = 500;
interface PgClient { query(q: PgQuery | string): Promise<PgResult>; release(err?: Error | boolean): void }
interface PgPool { query(q: PgQuery): Promise<PgResult>; connect(): Promise<PgClient> }

/** `?` placeholders (outside quoted strings) become `$1, $2, …`. */
export function toPgPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/'(?:[^']|'')*'|\?/g, (m) => (m === '?' ? `$${++n}` : m));
}

async function createPgSql(pool: PgPool): Promise<Sql> {
  // BIGINT (epoch milliseconds, counts) as numbers: every value here stays far below 2^53.
  const { TypeOverrides } = (await import('pg')).default;
  const pgTypes = new TypeOverrides();
  pgTypes.setTypeParser(20, Number);
  // Named (prepared) statements: each connection parses and plans a text once, then sends only its name and
  // values (the server's parse and plan were a share of PostgreSQL's CPU per token, on the cores Gatehouse shares).
  // Texts past NAMED_MAX (a query built with a varying number of values) go unnamed, so neither side keeps an
  // unbounded number of statements; so do texts with `*`, whose prepared result type a migration adding a column
  // (another instance's, in a rolling upgrade) would break ("cached plan must not change result type").
  const texts = new Map<string, { text: string; name: string | undefined }>();
  const stats = { statements: 0 };
  const q = (sql: string, params: unknown[], suffix = ''): PgQuery => {
    stats.statements++;
    const key = suffix ? `${sql}\u0000${suffix}` : sql;
    let t = texts.get(key);
    if (t === undefined) {
      t = { text: toPgPlaceholders(sql) + suffix, name: texts.size < NAMED_MAX && !sql.includes('*') ? `gatehouse_${texts.size}` : undefined };
      texts.set(key, t);
    }
    return { text: t.text, name: t.name, values: params, types: pgTypes };
  };
  const rowsOf = coalescedInserts((sql, params, suffix) => pool.query(q(sql, params, suffix)));
  // Which texts are plain one-row INSERTs, asked once per text (bounded like `texts`: later texts are parsed each time).
  const shapes = new Map<string, { table: string; columns: string[] } | null>();
  const insertShape = (sql: string) => {
    let shape = shapes.get(sql);
    if (shape === undefined) {
      shape = singleRowInsert(sql);
      if (shapes.size < NAMED_MAX) shapes.set(sql, shape);
    }
    return shape;
  };
  return {
    dialect: 'postgresql',
    stats,
    get: async <T>(sql: string, params: unknown[] = []) => (await pool.query(q(sql, params))).rows[0] as T | undefined,
    all: async <T>(sql: string, params: unknown[] = []) => (await pool.query(q(sql, params))).rows as T[],
    async run(sql, params = []) {
      const shape = insertShape(sql);
      return shape ? rowsOf(sql, shape, params, false) : (await pool.query(q(sql, params))).rowCount ?? 0;
    },
    async insert(sql, params = []) {
      const shape = insertShape(sql);
      return shape ? rowsOf(sql, shape, params, true) : Number((await pool.query(q(sql, params, ' returning id'))).rows[0]!.id);
    },
    async atomic(fn) {
      const client = await pool.connect();
      try {
        await client.query('begin');
        const result = await driveAsync(fn(tx), async (op) => {
          const res = await client.query(q(op.sql, op.params, op.lock ? ` for update of ${op.lock}` : ''));
          return op.kind === 'get' ? res.rows[0] : op.kind === 'all' ? res.rows : res.rowCount ?? 0;
        });
        await client.query('commit');
        client.release();
        return result;
      } catch (e) {
        // A connection whose rollback fails is broken (one that timed out fails at once, see orm.ts boundedClient):
        // release it as such so the pool discards it.
        await client.query('rollback').then(() => client.release(), (err: Error) => client.release(err));
        throw e;
      }
    },
  };
}

/** A plain one-row INSERT (no ON CONFLICT, no RETURNING, no subquery): rows of the same text can share a statement. */
const SINGLE_ROW_INSERT = /^insert into (\w+) \(([\w, ]+)\)\s+values \(([?, ]+)\)$/;
/** At most this many rows of one INSERT text share a statement. */
const COALESCE_MAX = 100;

/** The table and columns of a plain one-row INSERT, or null for any other statement. */
export function singleRowInsert(sql: string): { table: string; columns: string[] } | null {
  const m = SINGLE_ROW_INSERT.exec(sql);
  // Unquoted names, as PostgreSQL folds them (the JSON keys must match the row type's). A text whose placeholders
  // do not match its columns one for one runs alone and fails as written.
  const columns = m ? m[2]!.split(',').map((c) => c.trim().toLowerCase()) : [];
  return m && columns.length === m[3]!.split('?').length - 1 ? { table: m[1]!.toLowerCase(), columns } : null;
}

/**
 * Values JSON carries as PostgreSQL's parameters would (text, numbers, booleans, null): a row holding anything else (a
 * Date, a Buffer, a bigint, NaN) is written on its own, with the driver's own conversion.
 */
const jsonSafe = (params: unknown[]) => params.every((p) => p === null || p === undefined || typeof p === 'string' || typeof p === 'boolean' || (typeof p === 'number' && Number.isFinite(p)));

type InsertJob = { params: unknown[]; resolve: (n: number) => void; reject: (e: unknown) => void };
interface InsertQueue { key: string; sql: string; withId: boolean; table: string; columns: string[]; jobs: InsertJob[] }

/**
 * One statement for the rows of one turn, whatever their tables and number: each queue's rows are one JSON
 * parameter, typed by its table's row type (json_populate_recordset), inserted by a data-modifying WITH (which
 * PostgreSQL runs to completion whether or not the outer query reads it). So the text depends only on which INSERT
 * texts the turn holds (prepared once per connection), and a turn's token rows and audit rows are one round trip
 * and one commit. The outer query answers the new ids of the queues that want them, tagged with the queue's place.
 */
function combinedText(queues: InsertQueue[]): string {
  const parts = queues.map((q, k) => `q${k} as (insert into ${q.table} (${q.columns.join(', ')}) select ${q.columns.join(', ')} from json_populate_recordset(null::${q.table}, ?::json)${q.withId ? ' returning id' : ''})`);
  const ids = queues.flatMap((q, k) => (q.withId ? [`select ${k} as q, id from q${k}`] : []));
  return `with ${parts.join(', ')} ${ids.length ? ids.join(' union all ') : 'select 0 as q, 0 as id where false'}`;
}

/**
 * PostgreSQL's group commit: the one-row INSERTs queued during one turn of the event loop (under load, the token rows
 * and audit rows of every request answered in that turn) go as one statement, one round trip and one commit for all
 * of them instead of one per row (or per table), as SQLite's flush shares one transaction. Each caller's promise
 * settles only once its row is stored (with its id for `withId`: one statement takes a table's serial ids in the
 * order its rows are inserted, so the returned ids sorted are the rows' ids in that order, RETURNING promising no
 * order). Should the database refuse a row (too long, a duplicate key, a missing client), each row is retried on its
 * own with its own text, so only the bad one fails, with the error it would have had alone. Measured in
 * docs/performance.md (issue 21).
 */
function coalescedInserts(exec: (sql: string, params: unknown[], suffix: string) => Promise<PgResult>) {
  let queues = new Map<string, InsertQueue>();
  const texts = new Map<string, string>();
  const one = (sql: string, j: InsertJob, withId: boolean) =>
    exec(sql, j.params, withId ? ' returning id' : '').then((r) => j.resolve(withId ? Number(r.rows[0]!.id) : r.rowCount ?? 0), j.reject);
  const rowsJson = (q: InsertQueue, jobs: InsertJob[]) => JSON.stringify(jobs.map((j) => {
    const row: Record<string, unknown> = {};
    q.columns.forEach((c, i) => { row[c] = j.params[i] ?? null; });
    return row;
  }));
  const send = (turn: InsertQueue[]) => {
    if (turn.length === 1 && turn[0]!.jobs.length === 1) { void one(turn[0]!.sql, turn[0]!.jobs[0]!, turn[0]!.withId); return; }
    const key = turn.map((q) => q.key).join('\u0001');
    let text = texts.get(key);
    if (text === undefined) {
      text = combinedText(turn);
      if (texts.size < NAMED_MAX) texts.set(key, text);
    }
    exec(text, turn.map((q) => rowsJson(q, q.jobs)), '').then((r) => {
      const ids = turn.map((): number[] => []);
      for (const row of r.rows) ids[row.q as number]!.push(Number(row.id));
      turn.forEach((q, k) => {
        const mine = ids[k]!.sort((a, b) => a - b);
        q.jobs.forEach((j, i) => j.resolve(q.withId ? mine[i]! : 1));
      });
    }, (e: { code?: unknown }) => {
      // A row the database refused (SQLSTATE class 22 data, 23 integrity) rolled back the statement: the others
      // go again alone. Anything else (a timeout, a lost connection) may have committed, or may take as long
      // again: every caller hears it.
      const refused = typeof e?.code === 'string' && /^2[23]/.test(e.code);
      for (const q of turn) for (const j of q.jobs) (refused ? void one(q.sql, j, q.withId) : j.reject(e));
    });
  };
  const flush = () => {
    // Sorted, so a turn holding the same INSERT texts sends the same statement text.
    const turn = [...queues.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
    queues = new Map();
    const longest = Math.max(...turn.map((q) => q.jobs.length));
    for (let i = 0; i < longest; i += COALESCE_MAX) {
      send(turn.flatMap((q) => (q.jobs.length > i ? [{ ...q, jobs: q.jobs.slice(i, i + COALESCE_MAX) }] : [])));
    }
  };
  return (sql: string, shape: { table: string; columns: string[] }, params: unknown[], withId: boolean) => new Promise<number>((resolve, reject) => {
    const job = { params, resolve, reject };
    if (params.length !== shape.columns.length || !jsonSafe(params)) { void one(sql, job, withId); return; }
    const key = withId ? `${sql}\u0000id` : sql;
    let queue = queues.get(key);
    if (!queue) {
      if (queues.size === 0) setImmediate(flush);
      queues.set(key, queue = { key, sql, withId, ...shape, jobs: [] });
    }
    queue.jobs.push(job);
  });
}
