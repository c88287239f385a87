import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// `npm test` never runs the benchmark itself; it only proves `npm run bench -- --quick` still works end to end
// (fixture building, both servers, every quick scenario, the report) and writes a results row per scenario.
const QUICK_SCENARIOS = ['POST /o/token/ client_credentials', 'POST /o/introspect/', 'GET /api/hello (bearer)', 'authorization-code round'];

describe('bench: npm run bench -- --quick', function () {
  this.timeout(150_000);

  it('exits 0 and writes the results table with a row per scenario', async () => {
    const out = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
    try {
      const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
        let output = '';
        const p = execFile('npm', ['run', 'bench', '--', '--quick', '--out', out], { cwd: new URL('../..', import.meta.url).pathname, timeout: 120_000, maxBuffer: 16 * 2 ** 20, env: { ...process.env, DATABASE_URL: '' } });
        p.stdout?.on('data', (d) => { output += d; });
        p.stderr?.on('data', (d) => { output += d; });
        p.on('close', (c) => resolve({ code: c, output }));
      });
      expect(code, output.slice(-4000)).to.equal(0);
      const table = readFileSync(join(out, 'latest.md'), 'utf8');
      const rows = table.split('\n').filter((l) => l.startsWith('| ') && /\| \d[\d,]* \| \d+ \|/.test(l));
      for (const scenario of QUICK_SCENARIOS) expect(rows.filter((r) => r.startsWith(`| ${scenario}`)), `row for ${scenario}`).to.have.length.greaterThanOrEqual(1);
      const json = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8')) as { rows: { scenario: string; gatehouse: { rps: number }; baseline: { rps: number } | null }[] };
      expect(json.rows).to.have.length(QUICK_SCENARIOS.length);
      for (const row of json.rows) {
        expect(row.gatehouse.rps, row.scenario).to.be.greaterThan(0);
        expect(row.baseline?.rps ?? 0, row.scenario).to.be.greaterThan(0);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
