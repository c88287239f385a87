import type { PgResult } from './sql-pg.ts';

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
 * docs/performance.md (issue 21). `maxTexts` bounds the combined texts remembered (later ones are built each time).
 */
export function coalescedInserts(exec: (sql: string, params: unknown[], suffix: string) => Promise<PgResult>, maxTexts: number) {
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
      if (texts.size < maxTexts) texts.set(key, text);
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
