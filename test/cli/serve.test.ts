import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDatabase } from '../database.ts';
import { spawnServer as start, stopServer as stop } from '../spawn-server.ts';

describe('npm start (gatehouse serve) on the embedded SQLite default', () => {
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'gatehouse-serve-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('migrates, creates the first admin once with a printed password that logs in, and serves pages', async () => {
    const db = await testDatabase({ sqliteFile: join(dir, 'g.sqlite'), empty: true });
    const env = { ...process.env, ...db.env, PORT: '0', NODE_ENV: 'development', ADMIN_PASSWORD: '' };
    const first = await start(env);
    try {
      const password = /Admin password \(shown only this once\): (\S+)/.exec(first.stdout)?.[1];
      expect(password).to.be.a('string');
      const home = await fetch(first.url + '/');
      expect(home.status).to.equal(200);
      const login = await fetch(first.url + '/accounts/login/');
      const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      const csrf = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(await login.text())![1];
      const res = await fetch(first.url + '/accounts/login/', { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrfmiddlewaretoken: csrf, username: 'admin', password: password! }) });
      expect(res.status).to.equal(302);
    } finally {
      expect(await stop(first)).to.equal(0);
    }
    const second = await start(env);
    try {
      expect(second.stdout).not.to.match(/Admin password/);
    } finally {
      await stop(second);
    }
  });
});
