import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
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

  it('listens on 127.0.0.1 in development unless HOST says all interfaces', async function () {
    // An address of this machine other than loopback: reachable only when the server listens on all interfaces.
    const outside = Object.values(networkInterfaces()).flat().find((a) => a && !a.internal && a.family === 'IPv4')?.address;
    if (!outside) this.skip();
    const reaches = (port: string) => new Promise<boolean>((resolve) => {
      const socket = connect({ host: outside, port: Number(port) }, () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    const db = await testDatabase({ sqliteFile: join(dir, 'h.sqlite') });
    const env = { ...process.env, ...db.env, PORT: '0', NODE_ENV: 'development', ADMIN_PASSWORD: 'admin passphrase 1', HOST: '' };
    for (const [host, reachable] of [['', false], ['0.0.0.0', true]] as const) {
      const server = await start({ ...env, HOST: host });
      try {
        const port = new URL(server.url).port;
        expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status, host).to.equal(200);
        expect(await reaches(port), host || 'HOST unset').to.equal(reachable);
      } finally {
        expect(await stop(server)).to.equal(0);
      }
    }
  });
});
