import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// `npm test` never runs the benchmark itself; it only proves `npm run bench -- --quick` still works end to end.
describe('bench: npm run bench -- --quick', function () {
  this.timeout(180_000);
  it('runs every quick scenario against Gatehouse and bare Koa and writes the results table', async () => {
    const out = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
    try {
      const code = await new Promise<number>((resolve) => {
        const p = execFile('npm', ['run', 'bench', '--', '--quick', '--out', out], { cwd: new URL('../..', import.meta.url).pathname, timeout: 170_000 });
        p.on('exit', (c) => resolve(c ?? 1));
      });
      expect(code).to.equal(0);
      const table = readFileSync(join(out, 'latest.md'), 'utf8');
      for (const scenario of ['token: client_credentials', 'introspect', 'GET /api/hello (bearer)', 'authorization-code round']) expect(table).to.include(`| ${scenario}`);
      const json = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8'));
      for (const row of json.rows) expect(row.gatehouse.rps, row.scenario).to.be.greaterThan(0);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
