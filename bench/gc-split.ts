// How much of a request's server CPU is garbage collection, per scenario: Gatehouse (production mode, one core,
// 10k stored tokens, the bench's start flags) started with --trace-gc, a fixed number of requests after a warm-up,
// and V8's own trace lines summed (scavenges and mark-compacts apart) and divided by the requests answered.
//
//   node bench/gc-split.ts [--requests 60000] [--connections 50] [--scenarios client_credentials,client_credentials_jwt] [--rounds 2]
//
// A scenario may name one setting for its server: `client_credentials_jwt:ACCESS_TOKEN_SIGNING_ALG=EdDSA`, or its young
// generation's size, `client_credentials_jwt:SEMI=16` (--max-semi-space-size in MB; run with BENCH_START_FLAGS=' ' so the
// bench's own --max-semi-space-size=4 does not follow and win).
import { parseArgs } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { benchEnv, cpuMicros, pinThisProcessToLoadCore, start, stop } from './server.ts';
import { buildFixture, freshCopy } from './fixture.ts';
import { SCENARIOS } from './scenarios.ts';

const { values: opt } = parseArgs({ options: {
  requests: { type: 'string', default: '60000' }, connections: { type: 'string', default: '50' },
  scenarios: { type: 'string', default: 'client_credentials,client_credentials_jwt' }, rounds: { type: 'string', default: '2' },
} });
pinThisProcessToLoadCore();
const log = (s: string) => process.stderr.write(`[gc-split] ${s}\n`);
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-gc-split-'));
// "[pid:0x...]  1234 ms: Scavenge 12.3 (20.1) -> 8.2 (21.1) MB, pooled: 0 MB, 1.23 / 0.00 ms ..." (Node 24).
const LINE = /: (Scavenge|Mark-Compact|Minor Mark-Sweep|Mark-Sweep)\b[^,]*,(?: pooled: [\d.]+ MB,)? ([\d.]+) \/ ([\d.]+) ms/;
try {
  const fx = await buildFixture(dir, { stored: 10_000, accessPool: 5000, refreshPool: 0, minted: 2, clients: 51, log });
  for (let round = 0; round < Number(opt.rounds); round++) {
    // Every other round in reverse order, so a load that rises or falls during the run does not favour one scenario.
    const specs = opt.scenarios.split(',');
    for (const spec of round % 2 ? specs.reverse() : specs) {
      const [id, setting] = spec.split(':');
      const [name, value] = setting ? setting.split('=') : [];
      const semi = name === 'SEMI' ? [`--max-semi-space-size=${value}`] : [];
      const scenario = SCENARIOS.find((s) => s.id === id);
      if (!scenario) throw new Error(`unknown scenario ${id}`);
      const server = await start('gatehouse', { ...benchEnv(freshCopy(fx, join(dir, `run-${round}.sqlite`))), ...(name && !semi.length ? { [name]: value } : {}) }, { nodeArgs: ['--trace-gc', ...semi] });
      // Stopped whatever happens: a failed run must not leave its server running (and holding its core) behind.
      let res: autocannon.Result;
      let cpu: number;
      const gc = new Map<string, { n: number; ms: number }>();
      try {
        const requests = scenario.requests(fx) as autocannon.Request[];
        const run = (amount: number) => new Promise<autocannon.Result>((resolve, reject) => {
          autocannon({ url: server.url, connections: Number(opt.connections), amount, requests, timeout: 10 }, (err, res) => (err ? reject(err) : resolve(res)));
        });
        await run(20_000);
        let counting = false;
        server.proc.stdout!.on('data', (d: Buffer) => {
          if (!counting) return;
          for (const line of d.toString().split('\n')) {
            const m = LINE.exec(line);
            if (!m) continue;
            const e = gc.get(m[1]) ?? { n: 0, ms: 0 };
            e.n++; e.ms += Number(m[2]);
            gc.set(m[1], e);
          }
        });
        counting = true;
        const cpu0 = cpuMicros(server.pid);
        res = await run(Number(opt.requests));
        cpu = cpuMicros(server.pid) - cpu0;
        counting = false;
      } finally {
        await stop(server);
      }
      const n = res.requests.total;
      const parts = [...gc].map(([k, v]) => `${k} ${v.n}× ${(v.ms * 1000 / n).toFixed(1)} µs/req`).join(', ');
      const total = [...gc.values()].reduce((a, v) => a + v.ms, 0) * 1000 / n;
      console.log(`round ${round + 1} ${spec}: ${Math.round(res.requests.average)} req/s, CPU ${(cpu / n).toFixed(1)} µs/req, GC ${total.toFixed(1)} µs/req (${parts})`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
