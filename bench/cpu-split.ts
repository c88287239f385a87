// Where the CPU of a token goes on PostgreSQL + Redis: CPU time (not wall time, so a shared machine's load moves it
// little) of the Gatehouse server, of the PostgreSQL backends serving its database, and of the Redis server, each
// divided by the requests answered. A fixed number of requests after a warm-up, on a fresh copy of the `--pg`
// fixture (bench/pg.ts), server pinned to its core as in the bench.
//
//   node --experimental-strip-types --disable-warning=ExperimentalWarning bench/cpu-split.ts [--requests 30000] [--connections 50] [--scenario client_credentials]
//
// PostgreSQL: the backends whose database is the bench's (pg_stat_activity), present at the start and the end of
// the measurement; the WAL writer and checkpointer serve every database and are left out. Redis: the whole server
// (INFO cpu), so another user of it on the machine counts too. Needs /proc (Linux) and the servers on this machine.
import { parseArgs } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { Redis } from 'ioredis';
import { cpuMicros, pinThisProcessToLoadCore, stop } from './server.ts';
import { buildFixture } from './fixture.ts';
import { BENCH_REDIS_URL, dropBenchDatabases, freshPg, pgStore, startDeployment } from './pg.ts';
import { SCENARIOS } from './scenarios.ts';

const { values: opt } = parseArgs({ options: {
  requests: { type: 'string', default: '30000' }, connections: { type: 'string', default: '50' }, scenario: { type: 'string', default: 'client_credentials' },
} });
pinThisProcessToLoadCore();
const scenario = SCENARIOS.find((s) => s.id === opt.scenario);
if (!scenario) throw new Error(`unknown scenario ${opt.scenario}`);
const log = (s: string) => process.stderr.write(`[cpu-split] ${s}\n`);
const amount = Number(opt.requests);
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cpu-split-'));

/** CPU µs of each PostgreSQL backend serving database `url` names, by pid, and the database's commits so far. */
async function backends(url: string): Promise<{ cpu: Map<number, number>; commits: number }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ pid: number }>('select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
    // pg_stat_database is updated when a backend reports (at most every 0.5–1 s; our own statements count too).
    await c.query('select pg_stat_clear_snapshot()');
    const { rows: [db] } = await c.query<{ commits: string }>('select xact_commit as commits from pg_stat_database where datname = current_database()');
    return { cpu: new Map(rows.flatMap((r) => { try { return [[r.pid, cpuMicros(r.pid)] as [number, number]]; } catch { return []; } })), commits: Number(db!.commits) };
  } finally { await c.end(); }
}

/** The Redis server's CPU µs and commands processed so far (every client of that server counts). */
async function redisStats(redis: Redis): Promise<{ cpu: number; commands: number }> {
  const info = await redis.info();
  const v = (k: string) => Number(new RegExp(`${k}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return { cpu: (v('used_cpu_sys') + v('used_cpu_user')) * 1e6, commands: v('total_commands_processed') };
}

const redis = new Redis(BENCH_REDIS_URL);
try {
  const fx = await buildFixture(dir, { stored: 10_000, accessPool: 5000, refreshPool: 0, minted: 2, clients: 51, log }, await pgStore());
  const url = await freshPg();
  const { front: server } = await startDeployment(url, 1);
  const requests = scenario.requests(fx) as autocannon.Request[];
  const run = (n: number) => new Promise<autocannon.Result>((resolve, reject) => {
    autocannon({ url: server.url, connections: Number(opt.connections), amount: n, requests, timeout: 10 }, (err, res) => (err ? reject(err) : resolve(res)));
  });
  await run(Math.min(20_000, amount));
  const pg0 = await backends(url), g0 = cpuMicros(server.pid), r0 = await redisStats(redis), t0 = performance.now();
  const result = await run(amount);
  const seconds = (performance.now() - t0) / 1000;
  const g = cpuMicros(server.pid) - g0, r1 = await redisStats(redis);
  await new Promise((r) => setTimeout(r, 1500)); // the backends report their commits to pg_stat_database
  const pg1 = await backends(url);
  const p = [...pg1.cpu].reduce((sum, [pid, us]) => sum + (pg0.cpu.has(pid) ? us - pg0.cpu.get(pid)! : 0), 0);
  await stop(server);
  const n = result.requests.total, per = (us: number) => Math.round(us / n);
  process.stdout.write(`${scenario.name}, ${opt.connections} connections: ${n} requests (${result.non2xx} non-2xx) in ${seconds.toFixed(1)} s (${Math.round(n / seconds)} req/s)\n`
    + `CPU µs/request: Gatehouse ${per(g)}, PostgreSQL backends ${per(p)} (${pg1.cpu.size} connections), Redis server ${per(r1.cpu - r0.cpu)}; total ${per(g + p + r1.cpu - r0.cpu)}\n`
    + `per request: PostgreSQL commits ${((pg1.commits - pg0.commits) / n).toFixed(2)}, Redis commands ${((r1.commands - r0.commands) / n).toFixed(2)}\n`);
} finally {
  redis.disconnect();
  rmSync(dir, { recursive: true, force: true });
  await dropBenchDatabases();
}
