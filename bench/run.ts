// `npm run bench [-- --quick | --rounds N | --large | --duration S]`: every scenario against a freshly started
// Gatehouse (production mode, SQLite file, one core) and a bare Koa baseline, alternating, in the same run.
import { parseArgs } from 'node:util';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import autocannon from 'autocannon';
import { benchEnv, cli, cpuMicros, HAS_TASKSET, rssMb, start, stop } from './server.ts';
import { seed } from './seed.ts';
import { SCENARIOS, type Fixture, type Scenario } from './scenarios.ts';
import { codeRounds } from './code-round.ts';
import { markdown, svg, type Row } from './report.ts';

const { values: opt } = parseArgs({ options: {
  quick: { type: 'boolean', default: false }, large: { type: 'boolean', default: false },
  rounds: { type: 'string' }, duration: { type: 'string' }, out: { type: 'string' },
} });

// The load generator stays off the server's core.
if (HAS_TASKSET && !process.env.BENCH_PINNED) {
  const r = spawnSync('taskset', ['-c', '0', process.execPath, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, BENCH_PINNED: '1' } });
  process.exit(r.status ?? 1);
}

const rounds = opt.quick ? 1 : Number(opt.rounds ?? 3);
const duration = opt.quick ? 2 : Number(opt.duration ?? 10);
const storedSizes = opt.large && !opt.quick ? [10_000, 1_000_000] : [10_000];
const scenarios = opt.quick ? SCENARIOS.filter((s) => /client_credentials|introspect|hello/.test(s.name)) : SCENARIOS;
const outDir = opt.out ?? new URL('./results/', import.meta.url).pathname;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
const db = join(dir, 'bench.sqlite');
const env = benchEnv(db);
cli(env, 'migrate');
cli(env, 'createuser', 'admin', '--admin', '--password', 'bench-admin-password');
const created = cli(env, 'createclient', '--name', 'Bench', '--owner', 'admin', '--grant-types', 'client-credentials,password,authorization-code', '--redirect-uris', 'https://bench.local/cb', '--scopes', 'read,write,admin,introspection');
const clientId = /client_id: (\S+)/.exec(created)![1];
const clientSecret = /client_secret: (\S+)/.exec(created)![1];

type Sample = { rps: number; p50: number; p99: number; cpuUsPerReq: number; rssMb: number; non2xx: number };

async function measure(kind: 'gatehouse' | 'baseline', scenario: Scenario, fixture: Fixture, connections: number): Promise<Sample> {
  const server = await start(kind, env);
  try {
    const requests = scenario.requests(fixture);
    await autocannon({ url: server.url, connections: Math.min(connections, 10), duration: 1, requests: requests as never });
    const cpu0 = cpuMicros(server.proc.pid!);
    const r = await autocannon({ url: server.url, connections, duration, requests: requests as never });
    const used = cpuMicros(server.proc.pid!) - cpu0;
    return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, cpuUsPerReq: used / Math.max(1, r.requests.total), rssMb: rssMb(server.proc.pid!), non2xx: r.non2xx };
  } finally { await stop(server); }
}

const samples = new Map<string, { stored: number; connections: number; scenario: string; g: Sample[]; b: Sample[] }>();
const record = (scenario: string, stored: number, connections: number, kind: 'g' | 'b', s: Sample) => {
  const key = `${scenario}|${stored}|${connections}`;
  if (!samples.has(key)) samples.set(key, { stored, connections, scenario, g: [], b: [] });
  samples.get(key)![kind].push(s);
};

for (const stored of storedSizes) {
  for (let round = 0; round < rounds; round++) {
    const seeded = seed(db, { stored, accessPool: 5000, refreshPool: duration * 15_000, clientId, clients: 51 });
    const fixture: Fixture = { clientId, clientSecret, seeded };
    for (const scenario of scenarios) {
      const order: ('gatehouse' | 'baseline')[] = round % 2 === 0 ? ['gatehouse', 'baseline'] : ['baseline', 'gatehouse'];
      for (const kind of order) {
        const s = await measure(kind, scenario, fixture, 50);
        record(scenario.name, stored, 50, kind === 'gatehouse' ? 'g' : 'b', s);
        process.stderr.write(`${stored} r${round + 1} ${scenario.name} ${kind}: ${Math.round(s.rps)} req/s p99 ${s.p99} ms\n`);
      }
    }
    const g = await start('gatehouse', env);
    try {
      const c = await codeRounds(g.url, { clientId, clientSecret, username: 'admin', password: 'bench-admin-password', workers: 10, seconds: duration });
      record('authorization-code round (authorize POST + token)', stored, 10, 'g', { rps: c.perSecond, p50: c.p50, p99: c.p99, cpuUsPerReq: 0, rssMb: rssMb(g.proc.pid!), non2xx: c.errors });
    } finally { await stop(g); }
  }
}

if (!opt.quick) {
  const seeded = seed(db, { stored: storedSizes[0], accessPool: 0, refreshPool: 0, clientId, clients: 51 });
  for (const connections of [1, 10, 50, 100]) {
    for (const kind of ['gatehouse', 'baseline'] as const) record('token sweep: client_credentials', -1, connections, kind === 'gatehouse' ? 'g' : 'b', await measure(kind, SCENARIOS[0], { clientId, clientSecret, seeded }, connections));
  }
}

const startupMs: number[] = [];
for (let i = 0; i < 3; i++) { const g = await start('gatehouse', env); startupMs.push(g.startedMs); await stop(g); }

const med = (xs: Sample[]): Sample => ({ rps: median(xs.map((x) => x.rps)), p50: median(xs.map((x) => x.p50)), p99: median(xs.map((x) => x.p99)), cpuUsPerReq: median(xs.map((x) => x.cpuUsPerReq)), rssMb: Math.max(...xs.map((x) => x.rssMb)), non2xx: xs.reduce((a, x) => a + x.non2xx, 0) });
const rows: Row[] = [...samples.values()].map((s) => ({ scenario: s.scenario, stored: s.stored < 0 ? storedSizes[0] : s.stored, connections: s.connections, gatehouse: med(s.g), baseline: s.b.length ? med(s.b) : null }));
const cpuModel = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown CPU';
const machine = `${cpus().length} cores (${cpuModel}), Node ${process.version}, ${HAS_TASKSET ? 'server on core 1, load on core 0' : 'no taskset: unpinned'}`;
const command = `npm run bench${process.argv.slice(2).length ? ' -- ' + process.argv.slice(2).join(' ') : ''}`;
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'latest.md'), markdown(rows, { command, machine, startupMs, rounds }));
writeFileSync(join(outDir, 'latest.json'), JSON.stringify({ command, machine, startupMs, rows }, null, 2));
if (!opt.quick) writeFileSync(join(outDir, 'latest.svg'), svg(rows, 'token sweep: client_credentials'));
process.stdout.write(markdown(rows, { command, machine, startupMs, rounds }));
rmSync(dir, { recursive: true, force: true });
