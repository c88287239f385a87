// CPU profile of the token path: Gatehouse (production mode, one core, 10k stored tokens) under a client_credentials
// load, started with `--cpu-prof`, stopped with SIGTERM so V8 writes the profile, then summarised.
//
//   node --experimental-strip-types --disable-warning=ExperimentalWarning bench/profile.ts [--seconds 15] [--connections 50] [--scenario client_credentials] [--out bench/results] [--pg]
//
// --pg: the server on PostgreSQL + Redis (bench/pg.ts: a database of the bench's own, dropped afterwards).
import { parseArgs } from 'node:util';
import { mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { benchEnv, cpuMicros, machineCpuMicros, pinThisProcessToLoadCore, start, stop } from './server.ts';
import { buildFixture, freshCopy } from './fixture.ts';
import { dropBenchDatabases, freshPg, pgStore, startDeployment } from './pg.ts';
import { SCENARIOS } from './scenarios.ts';
import { summarise } from './profile-summary.ts';

const { values: opt } = parseArgs({ options: {
  seconds: { type: 'string', default: '15' }, connections: { type: 'string', default: '50' },
  scenario: { type: 'string', default: 'client_credentials' }, out: { type: 'string' }, pg: { type: 'boolean', default: false },
} });
pinThisProcessToLoadCore();

const scenario = SCENARIOS.find((s) => s.id === opt.scenario);
if (!scenario) throw new Error(`unknown scenario ${opt.scenario}; one of ${SCENARIOS.map((s) => s.id).join(', ')}`);
const seconds = Number(opt.seconds);
const outDir = opt.out ?? new URL('./results/', import.meta.url).pathname;
const log = (s: string) => process.stderr.write(`[profile] ${s}\n`);
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-profile-'));
try {
  const fixtureOptions = { stored: 10_000, accessPool: 5000, refreshPool: scenario.id === 'refresh_token' ? seconds * 2500 : 0, minted: 2, clients: 51, log };
  const fx = opt.pg ? await buildFixture(dir, fixtureOptions, await pgStore()) : await buildFixture(dir, fixtureOptions);
  const profDir = join(dir, 'prof');
  const nodeArgs = ['--cpu-prof', `--cpu-prof-dir=${profDir}`];
  const server = opt.pg ? (await startDeployment(await freshPg(), 1, {}, { nodeArgs })).front : await start('gatehouse', benchEnv(freshCopy(fx, join(dir, 'run.sqlite'))), { nodeArgs });
  const requests = scenario.requests(fx) as autocannon.Request[];
  const cpu0 = cpuMicros(server.pid), m0 = machineCpuMicros(), t0 = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const inst = autocannon({ url: server.url, connections: Number(opt.connections), duration: seconds, requests, timeout: 10 }, (err, res) => { clearTimeout(guard); if (err) reject(err); else resolve(res); });
    const guard = setTimeout(() => inst.stop(), (seconds + 20) * 1000);
  });
  const cpu = cpuMicros(server.pid) - cpu0;
  const stealPct = (100 * (machineCpuMicros().serverCoreSteal - m0.serverCoreSteal)) / ((performance.now() - t0) * 1000);
  const code = await stop(server);
  const files = readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile'));
  if (!files.length) throw new Error(`no .cpuprofile written (server exit code ${code})`);
  const header = [
    `Scenario: ${scenario.name}, ${opt.connections} connections, ${seconds} s, 10,000 stored tokens${opt.pg ? ', PostgreSQL + Redis' : ''}, server on one core with --cpu-prof (which slows it somewhat).`,
    `Load: ${Math.round(result.requests.average)} req/s, p99 ${result.latency.p99} ms, ${result.non2xx} non-2xx; server CPU ${Math.round(cpu / Math.max(1, result.requests.total))} µs/request; steal on the server's core ${stealPct.toFixed(0)}% (V8 samples wall time: time stolen from the VM is charged to whatever frame was on the stack); server exit code after SIGTERM: ${code}.`,
    '',
  ].join('\n');
  // Samples before the ready line are startup (module loading, migrations check), not the token path.
  const summary = header + summarise(join(profDir, files[0]), 30, server.startedMs + 200);
  mkdirSync(outDir, { recursive: true });
  const name = `${scenario.id}${opt.pg ? '-pg' : ''}`;
  writeFileSync(join(outDir, `profile-${name}.md`), summary);
  copyFileSync(join(profDir, files[0]), join(dir, '..', `gatehouse-${name}.cpuprofile`));
  log(`wrote ${join(outDir, `profile-${name}.md`)} (raw profile: ${join(dir, '..', `gatehouse-${name}.cpuprofile`)})`);
  process.stdout.write(summary);
} finally {
  rmSync(dir, { recursive: true, force: true });
  if (opt.pg) await dropBenchDatabases();
}
