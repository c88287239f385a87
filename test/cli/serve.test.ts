import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDatabase } from '../database.ts';

const MAIN = new URL('../../src/main.ts', import.meta.url).pathname;

/** Starts `gatehouse serve` as `npm start` does and resolves once it says where it serves. */
function start(env: NodeJS.ProcessEnv): Promise<{ proc: ChildProcess; url: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [MAIN, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout!.on('data', (d) => {
      stdout += d;
      const m = /serving on (http:\/\/\S+)/.exec(stdout);
      if (m) resolve({ proc, url: m[1], stdout });
    });
    proc.stderr!.on('data', (d) => { stderr += d; });
    proc.on('exit', (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
  });
}

function stop(proc: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => { proc.removeAllListeners('exit'); proc.on('exit', (code) => resolve(code)); proc.kill('SIGTERM'); });
}

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
      expect(await stop(first.proc)).to.equal(0);
    }
    const second = await start(env);
    try {
      expect(second.stdout).not.to.match(/Admin password/);
    } finally {
      await stop(second.proc);
    }
  });
});
