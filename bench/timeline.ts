// `node --experimental-strip-types bench/timeline.ts [--scenario graphql] [--seconds 10] [--warm N] [--runs R] [--node-flags=--trace-opt]`
//
// Where in a measurement the slow responses are: one fresh Gatehouse (pinned, 10,000 stored tokens), a warm-up, then
// 50 connections for --seconds while every response's latency is recorded (autocannon's `response` event). Prints
// p50/p90/p99/max, and per half second how many responses were at or above p99 and how many were answered. --warm 0
// is the benchmark's old warm-up (1 s at 10 connections); N is N requests at 50 connections (the benchmark: 20,000).
// --node-flags=... reach the server (e.g. --node-flags=--trace-gc; the = is needed for a value that starts with -);
// the server's output goes to stderr, each line prefixed with the seconds into
// the measurement. This is how docs/performance.md "Warm-up and p99" was found.
import { parseArgs } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { benchEnv, pinThisProcessToLoadCore, start, stop } from './server.ts';
import { buildFixture, freshCopy } from './fixture.ts';
import { SCENARIOS } from './scenarios.ts';

const { values: opt } = parseArgs({ options: {
  scenario: { type: 'string', default: 'graphql' }, seconds: { type: 'string', default: '10' }, warm: { type: 'string', default: '20000' },
  runs: { type: 'string', default: '1' }, 'node-flags': { type: 'string', default: '' },
} });
pinThisProcessToLoadCore();

const scenario = SCENARIOS.find((s) => s.id === opt.scenario);
if (!scenario) throw new Error(`unknown scenario ${opt.scenario}; one of ${SCENARIOS.map((s) => s.id).join(', ')}`);
const seconds = Number(opt.seconds);
const warm = Number(opt.warm);
const runs = Number(opt.runs);
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-timeline-'));
try {
  const refreshPool = scenario.id === 'refresh_token' ? runs * (warm || 20_000) + runs * seconds * 12_000 : 0;
  const fx = await buildFixture(dir, { stored: 10_000, accessPool: 5000, refreshPool, minted: 2, clients: 51, log: () => {} });
  const requests = scenario.requests(fx) as autocannon.Request[];
  for (let run = 1; run <= runs; run++) {
    const server = await start('gatehouse', benchEnv(freshCopy(fx, join(dir, 'run.sqlite'))), { nodeArgs: opt['node-flags'].split(' ').filter(Boolean) });
    let t0 = Infinity;
    server.proc.stdout!.on('data', (d) => {
      const at = ((performance.now() - t0) / 1000).toFixed(2);
      for (const line of String(d).split('\n')) if (line && !/serving on/.test(line)) process.stderr.write(`${at} ${line}\n`);
    });
    const run1 = (o: autocannon.Options) => new Promise<autocannon.Result>((resolve, reject) => {
      const inst = autocannon(o, (e, r) => (e ? reject(e) : resolve(r)));
      if (o.duration) inst.on('response', (_c: unknown, _s: number, _b: number, ms: number) => lat.push([performance.now() - t0, ms]));
    });
    const lat: [number, number][] = [];
    await run1(warm ? { url: server.url, connections: 50, amount: warm, requests } : { url: server.url, connections: 10, duration: 1, requests });
    lat.length = 0;
    t0 = performance.now();
    const r = await run1({ url: server.url, connections: 50, duration: seconds, requests });
    await stop(server);
    const sorted = lat.map(([, ms]) => ms).sort((a, b) => a - b);
    const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
    const p99 = q(0.99);
    const half = new Map<number, { n: number; slow: number }>();
    for (const [t, ms] of lat) {
      const b = Math.floor(t / 500);
      const e = half.get(b) ?? { n: 0, slow: 0 };
      e.n++; if (ms >= p99) e.slow++;
      half.set(b, e);
    }
    console.log(`run ${run}: ${Math.round(r.requests.average)} req/s, ${r.non2xx} non-2xx; p50 ${q(0.5).toFixed(1)} ms, p90 ${q(0.9).toFixed(1)}, p99 ${p99.toFixed(1)}, max ${sorted[sorted.length - 1].toFixed(1)}`);
    console.log(`  from s: answered / at or above p99, per half second:\n  ${[...half].map(([b, e]) => `${(b / 2).toFixed(1)}: ${e.n}/${e.slow}`).join('  ')}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
