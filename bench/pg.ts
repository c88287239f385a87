// PostgreSQL + Redis for `npm run bench -- --pg`: the seeded template is a database of its own
// (gatehouse_bench_template), every measurement runs on a fresh copy of it (gatehouse_bench, `create database …
// template`, the PostgreSQL counterpart of fixture.ts freshCopy), and Redis keys live under a prefix of the bench's
// own, deleted before every start. The suite's `test` database is never written: BENCH_DATABASE_URL only names
// the server (its database part is replaced), and every bench database is dropped at the end of the run.
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createDatabase, dropDatabase, withDatabaseName } from '../src/storage/pg-admin.ts';
import { toPgPlaceholders } from '../src/storage/sql-pg.ts';
import { benchEnv, start, stop, type Running, type StartOptions } from './server.ts';
import { pendingDeviceCodeRow, seedRows, templateIds, type SeedResult, type SeedTable } from './seed.ts';
import type { FixtureStore } from './fixture.ts';

/** The PostgreSQL server (its database part is not used) and Redis of the bench. */
export const BENCH_PG_SERVER = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
export const BENCH_REDIS_URL = process.env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379';
/** Every Redis key and channel of a bench server (REDIS_PREFIX), apart from any other deployment's or test's. */
export const BENCH_REDIS_PREFIX = 'gatehouse_bench:';
const RUN_DB = 'gatehouse_bench';
const TEMPLATE_DB = 'gatehouse_bench_template';
/** CREATE/DROP DATABASE run from the maintenance database, never from the one named in BENCH_DATABASE_URL. */
const ADMIN_URL = withDatabaseName(BENCH_PG_SERVER, 'postgres');

/** A Gatehouse of the bench on PostgreSQL database `url`, sharing state through Redis. */
export function pgEnv(url: string): NodeJS.ProcessEnv {
  return { ...benchEnv(join(tmpdir(), 'gatehouse-bench-unused.sqlite')), DATABASE_URL: url, REDIS_URL: BENCH_REDIS_URL, REDIS_PREFIX: BENCH_REDIS_PREFIX };
}

/** Deletes every key under the bench's Redis prefix (sessions, rate-limit counters, DPoP jtis of the last server). */
export async function flushBenchRedis(): Promise<void> {
  const redis = new Redis(BENCH_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${BENCH_REDIS_PREFIX}*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally { redis.disconnect(); }
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const types = new pg.TypeOverrides();
  types.setTypeParser(20, Number);
  const c = new pg.Client({ connectionString: url, types });
  await c.connect();
  try { return await fn(c); } finally { await c.end(); }
}

/** A fresh copy of the seeded template for one measurement, and an empty Redis prefix; answers its URL. */
export async function freshPg(): Promise<string> {
  await flushBenchRedis();
  await dropDatabase(ADMIN_URL, RUN_DB);
  return createDatabase(ADMIN_URL, RUN_DB, TEMPLATE_DB);
}

/** Drops both bench databases and the bench's Redis keys (end of a run, or a leftover from an interrupted one). */
export async function dropBenchDatabases(): Promise<void> {
  await dropDatabase(ADMIN_URL, RUN_DB);
  await dropDatabase(ADMIN_URL, TEMPLATE_DB);
  await flushBenchRedis();
}

/** Inserts clones of row `id` of `table` with some columns overridden, a batch of rows per statement. */
async function cloneRows(c: pg.Client, table: SeedTable, id: number, rows: Record<string, unknown>[]) {
  if (!rows.length) return;
  const template = (await c.query(`select * from ${table} where id = $1`, [id])).rows[0] as Record<string, unknown> | undefined;
  if (!template) throw new Error(`seed: no ${table} row ${id} to clone`);
  delete template.id;
  const cols = Object.keys(template);
  const batch = Math.floor(30_000 / cols.length);
  for (let i = 0; i < rows.length; i += batch) {
    const part = rows.slice(i, i + batch);
    const values = part.map((_, r) => `(${cols.map((__, k) => `$${r * cols.length + k + 1}`).join(', ')})`).join(', ');
    await c.query(`insert into ${table} (${cols.map((x) => `"${x}"`).join(', ')}) values ${values}`, part.flatMap((over) => cols.map((k) => (k in over ? over[k] : template[k]))));
  }
}

/** The fixture's template as a PostgreSQL database, created empty (Gatehouse migrates it at its first start). */
export async function pgStore(): Promise<FixtureStore> {
  await dropBenchDatabases();
  const url = await createDatabase(ADMIN_URL, TEMPLATE_DB);
  const count = (c: pg.Client, t: string) => c.query(`select count(*)::int as n from ${t}`).then((r) => r.rows[0].n as number);
  return {
    template: TEMPLATE_DB, env: pgEnv(url),
    // The template must have no session open when it is copied; the fixture's server is stopped by now.
    settle: async () => {},
    get: <T>(sql: string, ...params: unknown[]) => withClient(url, async (c) => (await c.query(toPgPlaceholders(sql), params)).rows[0] as T | undefined),
    seed: (o) => withClient(url, async (c) => {
      const t0 = performance.now();
      const out: SeedResult = { access: [], refresh: [], accessRows: 0, refreshRows: 0, clients: 0, ms: 0 };
      const counts = { access_tokens: await count(c, 'access_tokens'), refresh_tokens: await count(c, 'refresh_tokens'), applications: await count(c, 'applications') };
      const rows: Record<SeedTable, Record<string, unknown>[]> = { access_tokens: [], refresh_tokens: [], applications: [] };
      for (const [table, over] of seedRows(o, counts, out)) rows[table].push(over);
      const ids = templateIds(o);
      for (const t of Object.keys(rows) as SeedTable[]) await cloneRows(c, t, ids[t], rows[t]);
      await c.query('vacuum analyze');
      out.accessRows = await count(c, 'access_tokens');
      out.refreshRows = await count(c, 'refresh_tokens');
      out.clients = await count(c, 'applications');
      out.ms = performance.now() - t0;
      return out;
    }),
    pendingDeviceCode: (applicationId) => withClient(url, async (c) => {
      const row = pendingDeviceCodeRow(applicationId);
      await c.query(toPgPlaceholders(row.sql), row.params);
      return row.code;
    }),
    sizeMb: () => withClient(url, async (c) => (await c.query('select pg_database_size(current_database())::bigint as n')).rows[0].n / 2 ** 20),
  };
}

/** What answers a `--pg` measurement: one Gatehouse, or two behind the balancer (`front`); `servers` for CPU/RSS. */
export interface Deployment { front: Running; servers: Running[]; all: Running[] }

/**
 * `instances` Gatehouse servers on database `url` (pinned to the server core, as the SQLite one), behind
 * bench/balancer.ts when more than one (unpinned: it is the load balancer's machine, not the servers').
 */
export async function startDeployment(url: string, instances: number, extraEnv: NodeJS.ProcessEnv = {}, o: StartOptions = {}): Promise<Deployment> {
  const started = await Promise.allSettled(Array.from({ length: instances }, () => start('gatehouse', { ...pgEnv(url), ...extraEnv }, o)));
  const servers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) { await Promise.all(servers.map(stop)); throw (failed as PromiseRejectedResult).reason; }
  if (instances === 1) return { front: servers[0], servers, all: servers };
  const balancer = await start('balancer', { ...process.env, PORT: '0', BENCH_BACKENDS: servers.map((s) => s.url).join(',') }, { pin: false })
    .catch(async (e) => { await Promise.all(servers.map(stop)); throw e; });
  return { front: balancer, servers, all: [balancer, ...servers] };
}
