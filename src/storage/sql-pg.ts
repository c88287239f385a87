import { coalescedInserts, singleRowInsert } from './pg-coalesced-inserts.ts';
import type { Sql } from './sql.ts';
import { driveAsync, tx } from './sql-tx.ts';

// PostgreSQL through pg's pool: named (prepared) statements, one-row INSERTs coalesced per turn (pg-coalesced-inserts.ts).

/** The advisory-lock namespace of users' gates (sql-tx.ts `gate`): the lock's first key, the user's id its second. */
const USER_GATE = 0x6761;

export interface PgResult { rows: Record<string, unknown>[]; rowCount: number | null }
interface PgQuery { text: string; name?: string; values: unknown[]; types: unknown }
/** Distinct statement texts prepared by name on each connection; later ones run unnamed. */
const NAMED_MAX = 500;
interface PgClient { query(q: PgQuery | string): Promise<PgResult>; release(err?: Error | boolean): void }
export interface PgPool { query(q: PgQuery): Promise<PgResult>; connect(): Promise<PgClient> }

/** `?` placeholders (outside quoted strings) become `$1, $2, …`. */
export function toPgPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/'(?:[^']|'')*'|\?/g, (m) => (m === '?' ? `$${++n}` : m));
}

export async function createPgSql(pool: PgPool): Promise<Sql> {
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
      // Remembered up to NAMED_MAX texts too: past them a text is rebuilt each time, so queries built with a varying
      // number of values (admin lists) cannot grow this map without bound (second read of issue 21).
      if (texts.size < NAMED_MAX) texts.set(key, t);
    }
    return { text: t.text, name: t.name, values: params, types: pgTypes };
  };
  const rowsOf = coalescedInserts((sql, params, suffix) => pool.query(q(sql, params, suffix)), NAMED_MAX);
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
          // A user's gate (sql-tx.ts): closed by an ending, passed by an issuance in the statement that reads the user.
          if (op.kind === 'gate') { await client.query(q(`select pg_advisory_xact_lock(${USER_GATE}, cast((${op.sql}) as integer))`, op.params)); return undefined; }
          const sql = op.gate ? op.sql.replace(/^\s*select\s/i, `select pg_advisory_xact_lock_shared(${USER_GATE}, cast(${op.gate} as integer)) as gate_, `) : op.sql;
          const res = await client.query(q(sql, op.params, op.lock ? ` for ${op.share ? 'share' : 'update'} of ${op.lock}` : ''));
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
