// `npm run bench [-- --quick | --large | --rounds N | --duration S | --out DIR | --only a,b]`
// `npm run bench -- --pg [--quick | --rounds N | --duration S | --connections 50,200,500 | --topologies sqlite,pg,pg2 | --only a,b]`
//
// With --pg, past one machine instead: token (client_credentials), introspection and the OpenID Connect code flow on
// SQLite, on PostgreSQL + Redis (bench/pg.ts: a database and a Redis prefix of the bench's own, fresh for every
// measurement), and on two PostgreSQL instances behind bench/balancer.ts, at each connection count; results in
// results/latest-pg.{md,json} and one results/latest-pg-<scenario>.svg per scenario.
//
// Every scenario against a freshly started Gatehouse (production mode, SQLite file in a temp dir, a fresh copy of the
// seeded database, pinned to one core) and a bare Koa baseline (bench/baseline.ts) on the same core, alternating
// Gatehouse-first and baseline-first between rounds, in the same run; the scenarios of VS_OIDC_PROVIDER also against
// node-oidc-provider (bench/oidc-provider.ts), started the same way. The load generator (this process) runs on the
// other core. Reported values are medians over the rounds.
import { parseArgs } from 'node:util';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import autocannon from 'autocannon';
import { ADMIN_PASSWORD, BENCH_ISSUER, benchEnv, cpuMicros, HAS_TASKSET, LOAD_CORE, machineCpuMicros, memoryMb, pinThisProcessToLoadCore, SERVER_CORE, start, stop, type Running, type ServerKind } from './server.ts';
import { buildFixture, freshCopy, type Fixture } from './fixture.ts';
import { CODE_ROUND, OIDC_CODE, SCENARIOS, VS_OIDC_PROVIDER, type Scenario } from './scenarios.ts';
import { codeRounds, oidcLogin, oidcRequests, type Tally } from './code-round.ts';
import { markdown, scaleMarkdown, scaleSvg, svg, TOPOLOGIES, type Meta, type Row, type Sample, type ScaleRow, type Startup, type Topology } from './report.ts';
import { BENCH_PG_SERVER, BENCH_REDIS_URL, dropBenchDatabases, freshPg, pgStore, startDeployment, type Deployment } from './pg.ts';

const { values: opt } = parseArgs({ options: {
  quick: { type: 'boolean', default: false },
  large: { type: 'boolean', default: false },
  rounds: { type: 'string' },
  duration: { type: 'string' },
  connections: { type: 'string' },
  out: { type: 'string' },
  only: { type: 'string' },
  'no-sweep': { type: 'boolean', default: false },
  'keep-temp': { type: 'boolean', default: false },
  pg: { type: 'boolean', default: false },
  topologies: { type: 'string' },
} });

// The load generator stays off the server's core: re-run this script pinned to the other one.
pinThisProcessToLoadCore();

const T0 = performance.now();
const quick = opt.quick;
const rounds = quick ? 1 : Math.max(1, Number(opt.rounds ?? 3));
const duration = quick ? 2 : Math.max(1, Number(opt.duration ?? 10));
// Warm-up before every measurement, on both servers: a number of requests rather than a time, because V8 tiers hot
// functions up to optimised code after a number of calls, and on a server pinned to one core that compile competes
// with the requests (a GraphQL page answered at a quarter of its rate for ~0.3 s around its 12,000th request, which
// alone set its p99 over a 10 s measurement; see docs/performance.md). Capped in time for the slowest scenarios.
const warmRequests = quick ? 2_000 : 20_000;
const warmMaxSeconds = quick ? 1 : 10;
const conns = opt.pg ? 50 : Number(opt.connections ?? 50);
const sizes = opt.large && !quick ? [10_000, 1_000_000] : [10_000];
const QUICK_IDS = ['client_credentials', 'client_credentials_jwt', 'introspect', 'hello', 'hello_jwt', 'device_pending', CODE_ROUND.id, OIDC_CODE.id];
const only = opt.only?.split(',') ?? (quick ? QUICK_IDS : null);
const scenarios = SCENARIOS.filter((s) => !only || only.includes(s.id));
const withCodeRound = !only || only.includes(CODE_ROUND.id);
const withOidcCode = !only || only.includes(OIDC_CODE.id);
const sweepConns = quick || opt['no-sweep'] || !scenarios.some((s) => s.id === 'client_credentials') ? [] : [1, 10, 100].filter((c) => c !== conns);
const CODE_WORKERS = 10;
const outDir = opt.out ?? new URL('./results/', import.meta.url).pathname;
const log = (s: string) => process.stderr.write(`[bench ${((performance.now() - T0) / 1000).toFixed(0).padStart(4)} s] ${s}\n`);

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
const runDb = join(dir, 'run.sqlite');

/** autocannon with a hard time limit on top of its own duration. */
function cannon(o: autocannon.Options, limitSeconds = ((o.duration as number | undefined) ?? 0) + 20): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const inst = autocannon(o, (err, res) => { clearTimeout(guard); if (err) reject(err); else resolve(res); });
    const guard = setTimeout(() => inst.stop(), limitSeconds * 1000);
  });
}

type Load = { rps: number; p50: number; p99: number; total: number; non2xx: number; errors: number };

/**
 * Starts a fresh server (Gatehouse on a fresh copy of the fixture database), runs `warm` and then `load` against it,
 * and reads the server's CPU time and memory and the machine's other load over `load` only.
 */
async function measured(kind: ServerKind, fx: Fixture, load: (s: Running) => Promise<Load>, warm?: (s: Running) => Promise<unknown>, topology: Topology = 'sqlite'): Promise<Sample> {
  const fixtureEnv = { BENCH_CLIENT_ID: fx.clientId, BENCH_CLIENT_SECRET: fx.clientSecret,
    BENCH_JWT_CLIENT_ID: fx.jwtClientId, BENCH_JWT_CLIENT_SECRET: fx.jwtClientSecret, BENCH_DEVICE_CODE: fx.deviceCode };
  // SQLite: one server on a fresh copy of the file. PostgreSQL (--pg): one or two on a fresh copy of the database.
  let dep: Deployment;
  if (kind !== 'gatehouse' || topology === 'sqlite') {
    const one = await start(kind, { ...benchEnv(kind === 'gatehouse' ? freshCopy(fx, runDb) : join(dir, 'unused.sqlite')), ...fixtureEnv });
    dep = { front: one, servers: [one], all: [one] };
  } else dep = await startDeployment(await freshPg(), topology === 'pg2' ? 2 : 1, fixtureEnv);
  const server = dep.front;
  const serversCpu = () => dep.servers.reduce((a, s) => a + cpuMicros(s.pid), 0);
  try {
    if (warm) await warm(server);
    const m0 = machineCpuMicros(), cpu0 = serversCpu(), self0 = process.cpuUsage(), t0 = performance.now();
    const r = await load(server);
    const cpu = serversCpu() - cpu0;
    const self = process.cpuUsage(self0);
    const wallUs = (performance.now() - t0) * 1000;
    const m1 = machineCpuMicros();
    const other = m1.busy - m0.busy - cpu - self.user - self.system;
    const mem = dep.servers.map((s) => memoryMb(s.pid)).reduce((a, m) => ({ rss: a.rss + m.rss, peak: a.peak + m.peak }), { rss: 0, peak: 0 });
    return { ...r, cpuUsPerReq: cpu / Math.max(1, r.total), rssMb: mem.rss, peakMb: mem.peak, otherCpuPct: Math.max(0, (100 * other) / (wallUs * cpus().length)), stealPct: (100 * (HAS_TASKSET ? (m1.serverCoreSteal - m0.serverCoreSteal) / wallUs : (m1.steal - m0.steal) / (wallUs * cpus().length))) };
  } finally {
    for (const s of dep.all) {
      const code = await stop(s);
      if (code !== 0 && code !== null) log(`warning: ${s.kind} exited with ${code}`);
    }
  }
}

/**
 * The name a request's DPoP proof gives the server (htu): Gatehouse checks it against its issuer (never the Host
 * header); node-oidc-provider against the URL the request reached.
 */
const nameOf = (kind: ServerKind, url: string) => (kind === 'gatehouse' ? BENCH_ISSUER : url);

function measureScenario(kind: ServerKind, scenario: Scenario, fx: Fixture, connections: number, topology: Topology = 'sqlite'): Promise<Sample> {
  // One request list for warm-up and run, so the refresh pool advances past the tokens the warm-up spent.
  // A scenario whose expected answer is not 2xx (device_pending's 400) counts every other answer as an error.
  const tally = { unexpected: 0, first: '' };
  const expected = scenario.expected;
  // Built once the server is known (a DPoP proof names its URL), then shared by the warm-up and the run.
  let built: autocannon.Request[] | undefined;
  const requestsFor = (url: string) => built ??= (scenario.requests(fx, url) as autocannon.Request[]).map((r) => !expected ? r : { ...r, onResponse: (status: number, body: string) => {
    if (expected(status, body)) return;
    tally.unexpected++;
    tally.first ||= `${status} ${body.slice(0, 200)}`;
  } });
  return measured(kind, fx, async (server) => {
    tally.unexpected = 0;
    const r = await cannon({ url: server.url, connections, duration, requests: requestsFor(nameOf(kind, server.url)), timeout: 10 });
    if (tally.unexpected) log(`${scenario.id} on ${kind}: ${tally.unexpected} unexpected answers, first: ${tally.first}`);
    return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, total: r.requests.total, non2xx: expected ? tally.unexpected : r.non2xx, errors: r.errors + r.timeouts };
  }, (server) => cannon({ url: server.url, connections: Math.max(connections, 10), amount: warmRequests, requests: requestsFor(nameOf(kind, server.url)), timeout: 10 }, warmMaxSeconds), topology);
}

async function measureCodeRound(kind: ServerKind, fx: Fixture): Promise<Sample> {
  let firstError: string | undefined;
  const s = await measured(kind, fx, async (server) => {
    const c = await codeRounds(server.url, { clientId: fx.clientId, clientSecret: fx.clientSecret, username: 'admin', password: ADMIN_PASSWORD, workers: CODE_WORKERS, seconds: duration });
    firstError = c.firstError;
    return { rps: c.perSecond, p50: c.p50, p99: c.p99, total: c.total, non2xx: 0, errors: c.errors };
  });
  if (firstError) log(`code round on ${kind}: ${s.errors} errors, first: ${firstError}`);
  return s;
}

/**
 * The OpenID Connect code flow (OIDC_CODE) with autocannon: one signed-in session with consent given (oidcLogin),
 * then every connection runs authorize GET → token exchange. Its 302s are not errors; failed rounds are tallied.
 */
async function measureOidc(kind: ServerKind, fx: Fixture, connections: number, topology: Topology = 'sqlite'): Promise<Sample> {
  const tally: Tally = { failed: 0 };
  let requests: autocannon.Request[] = [];
  const s = await measured(kind, fx, async (server) => {
    tally.failed = 0;
    const r = await cannon({ url: server.url, connections, duration, requests, timeout: 10 });
    return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, total: r.requests.total, non2xx: r['4xx'] + r['5xx'], errors: r.errors + r.timeouts + tally.failed };
  }, async (server) => {
    const cookie = await oidcLogin(server.url, { clientId: fx.clientId, clientSecret: fx.clientSecret, username: 'admin', password: ADMIN_PASSWORD, workers: 0, seconds: 0 }, kind);
    requests = oidcRequests(fx, cookie, kind, tally) as autocannon.Request[];
    return cannon({ url: server.url, connections: Math.max(connections, 10), amount: warmRequests, requests, timeout: 10 }, warmMaxSeconds);
  }, topology);
  if (tally.failed) log(`OIDC code flow on ${kind}: ${tally.failed} failed rounds, first: ${tally.first}`);
  return s;
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const med = (xs: Sample[]): Sample => ({
  rps: median(xs.map((x) => x.rps)), p50: median(xs.map((x) => x.p50)), p99: median(xs.map((x) => x.p99)), cpuUsPerReq: median(xs.map((x) => x.cpuUsPerReq)),
  rssMb: Math.max(...xs.map((x) => x.rssMb)), peakMb: Math.max(...xs.map((x) => x.peakMb)), total: xs.reduce((a, x) => a + x.total, 0),
  non2xx: xs.reduce((a, x) => a + x.non2xx, 0), errors: xs.reduce((a, x) => a + x.errors, 0), otherCpuPct: median(xs.map((x) => x.otherCpuPct)), stealPct: median(xs.map((x) => x.stealPct)),
});
const git = (...a: string[]) => spawnSync('git', a, { cwd: new URL('..', import.meta.url).pathname, encoding: 'utf8' }).stdout?.trim() ?? '';
const dirty = git('status', '--porcelain', '--', 'src').split('\n').filter(Boolean).length;
const source = `${git('rev-parse', '--short', 'HEAD') || 'unknown commit'}${dirty ? ` + ${dirty} uncommitted file(s) under src/` : ''}`;
const cpuModel = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown CPU';
// --------------------------------------------------------------------------------------------------------- --pg
/** The scenarios measured past one machine: token issuance, introspection, the OpenID Connect code flow. */
const SCALE_IDS = ['client_credentials', 'introspect', OIDC_CODE.id];

async function scaleRun(): Promise<void> {
  const ids = SCALE_IDS.filter((id) => !opt.only || opt.only.split(',').includes(id));
  const topologies = (opt.topologies?.split(',') ?? Object.keys(TOPOLOGIES)) as Topology[];
  for (const t of topologies) if (!(t in TOPOLOGIES)) throw new Error(`--topologies: ${t} is none of ${Object.keys(TOPOLOGIES).join(', ')}`);
  const counts = (opt.connections ?? '50,200,500').split(',').map(Number);
  const fixtureOptions = { stored: 10_000, accessPool: 5000, refreshPool: 0, minted: quick ? 2 : 24, clients: 51, log };
  const byTopology = new Map<Topology, Fixture>();
  const got = new Map<string, { row: Omit<ScaleRow, 'sample' | 'rounds'>; samples: Sample[] }>();
  try {
    if (topologies.includes('sqlite')) {
      log('building the SQLite fixture');
      byTopology.set('sqlite', await buildFixture(dir, fixtureOptions));
    }
    if (topologies.some((t) => t !== 'sqlite')) {
      log(`building the PostgreSQL fixture (${BENCH_PG_SERVER.replace(/\/\/[^@/]*@/, '//')} → database gatehouse_bench_template; Redis ${BENCH_REDIS_URL})`);
      const pgFx = await buildFixture(dir, fixtureOptions, await pgStore());
      for (const t of topologies) if (t !== 'sqlite') byTopology.set(t, pgFx);
    }
    // Every round: each scenario at each connection count on each topology back to back, the topologies' order
    // reversed every other round (as the main run alternates Gatehouse and bare Koa).
    for (let round = 0; round < rounds; round++) {
      for (const id of ids) {
        for (const c of counts) {
          for (const t of round % 2 ? [...topologies].reverse() : topologies) {
            const fx = byTopology.get(t)!;
            const scenario = SCENARIOS.find((s) => s.id === id);
            const sample = scenario ? await measureScenario('gatehouse', scenario, fx, c, t) : await measureOidc('gatehouse', fx, c, t);
            const key = `${id}|${t}|${c}`;
            if (!got.has(key)) got.set(key, { row: { scenarioId: id, scenario: scenario?.name ?? OIDC_CODE.name, topology: t, connections: c }, samples: [] });
            got.get(key)!.samples.push(sample);
            log(`${id} @${c} ${TOPOLOGIES[t].label}: ${Math.round(sample.rps)} req/s, p99 ${sample.p99.toFixed(1)} ms, ${Math.round(sample.cpuUsPerReq)} µs CPU/req${sample.non2xx + sample.errors ? `, ${sample.non2xx} non-2xx, ${sample.errors} errors` : ''}, other CPU ${sample.otherCpuPct.toFixed(0)}%`);
          }
        }
      }
    }
  } finally {
    if (!opt['keep-temp']) {
      rmSync(dir, { recursive: true, force: true });
      if (topologies.some((t) => t !== 'sqlite')) await dropBenchDatabases();
    }
  }
  const rows: ScaleRow[] = [...got.values()].map((g) => ({ ...g.row, sample: med(g.samples), rounds: g.samples.map((x) => x.rps) }));
  const meta = {
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`, machine: machine(), source, rounds, duration, date: new Date().toISOString(), totalSeconds: (performance.now() - T0) / 1000,
    database: `PostgreSQL ${await pgVersion()} (a database of the bench's own, a fresh copy per measurement; pool of 10 connections per instance), Redis at ${BENCH_REDIS_URL} (prefix gatehouse_bench:)`,
  };
  mkdirSync(outDir, { recursive: true });
  const md = scaleMarkdown(rows, meta);
  writeFileSync(join(outDir, 'latest-pg.md'), md);
  writeFileSync(join(outDir, 'latest-pg.json'), JSON.stringify({ meta, rows }, null, 2) + '\n');
  for (const id of ids) {
    const plot = scaleSvg(rows, id);
    if (plot) writeFileSync(join(outDir, `latest-pg-${id}.svg`), plot);
  }
  process.stdout.write(md);
}

async function pgVersion(): Promise<string> {
  const { default: pg } = await import('pg');
  const c = new pg.Client({ connectionString: BENCH_PG_SERVER });
  try { await c.connect(); return (await c.query('show server_version')).rows[0].server_version as string; } catch { return '(version unknown)'; } finally { await c.end().catch(() => {}); }
}

const machine = () => `${cpus().length} cores (nproc), ${cpuModel}, Node ${process.version}, ${HAS_TASKSET ? `server pinned to core ${SERVER_CORE}, load generator on core ${LOAD_CORE} (taskset)` : 'no taskset: nothing pinned'}`;

if (opt.pg) {
  await scaleRun();
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------------------------
const samples = new Map<string, { scenario: string; scenarioId: string; stored: number; connections: number; g: Sample[]; b: Sample[]; p: Sample[] }>();
const record = (id: string, name: string, stored: number, connections: number, kind: ServerKind, s: Sample) => {
  const key = `${id}|${stored}|${connections}`;
  if (!samples.has(key)) samples.set(key, { scenario: name, scenarioId: id, stored, connections, g: [], b: [], p: [] });
  samples.get(key)![kind === 'gatehouse' ? 'g' : kind === 'baseline' ? 'b' : 'p'].push(s);
  log(`${stored} ${name} @${connections} ${kind}: ${Math.round(s.rps)} req/s, p99 ${s.p99.toFixed(1)} ms, ${Math.round(s.cpuUsPerReq)} µs CPU/req, RSS ${Math.round(s.rssMb)} MB${s.non2xx + s.errors ? `, ${s.non2xx} non-2xx, ${s.errors} errors` : ''}, other CPU ${s.otherCpuPct.toFixed(0)}%, steal ${s.stealPct.toFixed(0)}%`);
};

const fixtures: Fixture[] = [];
const startup: Startup[] = [];
const refreshPool = scenarios.some((s) => s.id === 'refresh_token') ? Math.ceil(duration * 12_000) + warmRequests : 0; // above the highest rate measured, so no request meets a spent token
try {
  for (const stored of sizes) {
    log(`building the ${stored.toLocaleString('en-US')}-token fixture`);
    fixtures.push(await buildFixture(dir, { stored, accessPool: 5000, refreshPool, jwtPool: scenarios.some((s) => s.id === 'hello_jwt') ? (quick ? 50 : 500) : 0, minted: quick ? 2 : 24, clients: 51, log }));
  }
  // Each scenario is measured at every size back to back, in an order where every pair a target compares ran next to
  // each other: bare Koa, Gatehouse at one size, Gatehouse at the other, bare Koa again (B G | G B). A drift of the
  // machine's speed between two measurements ~15 s apart then enters each ratio once, where G B | G B put the two
  // Gatehouse sizes ~30 s apart. The sizes swap every round, so each size has bare Koa first in one round and second
  // in the next; with one size, Gatehouse and bare Koa alternate which goes first.
  // Where node-oidc-provider is measured too (at the first size), it runs next to Gatehouse at that size: B G P, then
  // P G B in the next round (with two sizes it goes after the pair's last bare Koa, or before the first).
  type Kind = ServerKind;
  type Item = [Scenario | typeof CODE_ROUND | typeof OIDC_CODE, number, Fixture[]];
  const items: Item[] = [
    ...scenarios.map((s): Item => [s, conns, fixtures]),
    ...(withCodeRound ? [[CODE_ROUND, CODE_WORKERS, fixtures] as Item] : []),
    ...(withOidcCode ? [[OIDC_CODE, conns, fixtures] as Item] : []),
    ...sweepConns.map((c): Item => [SCENARIOS.find((s) => s.id === 'client_credentials')!, c, [fixtures[0]]]),
  ];
  for (let round = 0; round < rounds; round++) {
    for (const [scenario, c, fxs] of items) {
      const even = round % 2 === 0;
      const [a, b] = even ? fxs : [...fxs].reverse();
      const vsProvider = VS_OIDC_PROVIDER.has(scenario.id) && c === conns;
      const steps: [Fixture, Kind][] = b
        ? [[a, 'baseline'], [a, 'gatehouse'], [b, 'gatehouse'], [b, 'baseline']]
        : vsProvider ? [[a, even ? 'baseline' : 'oidc-provider'], [a, 'gatehouse'], [a, even ? 'oidc-provider' : 'baseline']]
          : [[a, even ? 'gatehouse' : 'baseline'], [a, even ? 'baseline' : 'gatehouse']];
      if (vsProvider && b) steps.splice(even ? 4 : 0, 0, [fixtures[0], 'oidc-provider']);
      for (const [fx, kind] of steps) {
        const sample = 'requests' in scenario ? await measureScenario(kind, scenario, fx, c)
          : scenario.id === OIDC_CODE.id ? await measureOidc(kind, fx, c) : await measureCodeRound(kind, fx);
        record(scenario.id, scenario.name, fx.stored, c, kind, sample);
      }
    }
  }
  // Startup on an existing (migrated, seeded) database: spawn → "serving on" line, pinned like the benchmark.
  for (const fx of fixtures) {
    const st: Startup = { stored: fx.stored, npmStartMs: [], nodeMs: [] };
    for (let i = 0; i < (quick ? 1 : 3); i++) {
      const env = benchEnv(freshCopy(fx, runDb));
      const a = await start('gatehouse', env, { viaNpm: true });
      st.npmStartMs.push(a.startedMs);
      await stop(a);
      if (quick) continue;
      const b = await start('gatehouse', env);
      st.nodeMs.push(b.startedMs);
      await stop(b);
    }
    log(`startup at ${fx.stored}: npm start ${st.npmStartMs.map(Math.round).join(', ')} ms; node ${st.nodeMs.map(Math.round).join(', ')} ms`);
    startup.push(st);
  }
} finally {
  if (!opt['keep-temp']) rmSync(dir, { recursive: true, force: true });
}

const order = [...SCENARIOS.map((s) => s.id), CODE_ROUND.id, OIDC_CODE.id];
const rows: Row[] = [...samples.values()]
  .map((s) => ({ scenario: s.scenario, scenarioId: s.scenarioId, stored: s.stored, connections: s.connections, gatehouse: med(s.g), baseline: s.b.length ? med(s.b) : null, gatehouseRounds: s.g.map((x) => x.rps), baselineRounds: s.b.map((x) => x.rps),
    oidcProvider: s.p.length ? med(s.p) : null, oidcProviderRounds: s.p.map((x) => x.rps) }))
  .sort((a, b) => a.stored - b.stored || order.indexOf(a.scenarioId) - order.indexOf(b.scenarioId) || a.connections - b.connections);

const meta: Meta = {
  command: `npm run bench${process.argv.slice(2).length ? ' -- ' + process.argv.slice(2).join(' ') : ''}`,
  machine: machine(),
  source, rounds, duration, warmRequests, warmMaxSeconds, date: new Date().toISOString(), totalSeconds: (performance.now() - T0) / 1000,
  fixtures: fixtures.map((f) => ({ stored: f.stored, accessRows: f.seeded.accessRows, refreshRows: f.seeded.refreshRows, clients: f.seeded.clients, sizeMb: f.sizeMb, minted: f.minted, refreshPool: f.refresh.length })),
  startup,
};
mkdirSync(outDir, { recursive: true });
const md = markdown(rows, meta, conns);
writeFileSync(join(outDir, 'latest.md'), md);
writeFileSync(join(outDir, 'latest.json'), JSON.stringify({ meta, rows }, null, 2) + '\n');
const plot = svg(rows, 'client_credentials', sizes[0]);
if (plot) writeFileSync(join(outDir, 'latest.svg'), plot);
process.stdout.write(md);
