import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

// Start-up loads only what the protocol endpoints need; pug (a tenth of start-up) loads with the first page. Checked
// in a fresh process: in this one other tests have rendered pages already.
describe('start-up: the page renderer loads on the first page, not before', function () {
  this.timeout(30_000);

  // undici too: @koa/router's ES module build imported node:http as an ES module, which loads it (src/http/router.ts).
  it('serves protocol requests without pug (or undici) loaded, then renders the login page', () => {
    const script = `
      import { createRequire } from 'node:module';
      const { createApp } = await import(${JSON.stringify(`${ROOT}src/index.ts`)});
      const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('/node_modules/pug/'));
      const app = await createApp({ env: 'test', database: { file: ':memory:' } });
      const { url } = await app.listen(0, '127.0.0.1');
      // Read before this script's own fetch loads undici.
      const undici = process.moduleLoadList.some((m) => m.includes('undici'));
      const meta = await fetch(url + '/.well-known/oauth-authorization-server');
      const before = loaded();
      const page = await fetch(url + '/accounts/login/');
      const html = await page.text();
      console.log(JSON.stringify({ undici, meta: meta.status, before, page: page.status, form: html.includes('<form'), after: loaded() }));
      await app.close();
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).to.deep.equal({ undici: false, meta: 200, before: false, page: 200, form: true, after: true });
  });
});
