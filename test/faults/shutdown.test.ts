import { expect } from 'chai';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeBasicAuthorization } from '../../src/oauth2/client-auth.ts';
import { testDatabase } from '../database.ts';

const MAIN = new URL('../../src/main.js', import.meta.url).pathname;
const NODE = [process.execPath, '--experimental-strip-types', '--disable-warning=ExperimentalWarning', MAIN];

// SIGTERM (what orchestrators send): requests already being served finish with their answer, then the
// process closes the database and exits 0.
describe('faults: graceful shutdown on SIGTERM', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'gatehouse-term-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('drains in-flight requests and exits 0', async () => {
    const db = await testDatabase({ sqliteFile: join(dir, 't.sqlite'), empty: true });
    const env = { ...process.env, ...db.env, PORT: '0', NODE_ENV: 'development', ADMIN_PASSWORD: 'admin-password-1' };
    execFileSync(NODE[0], [...NODE.slice(1), 'migrate'], { env });
    execFileSync(NODE[0], [...NODE.slice(1), 'createuser', 'owner', '--password', 'owner-password'], { env });
    const out = execFileSync(NODE[0], [...NODE.slice(1), 'createclient', '--name', 'T', '--owner', 'owner', '--grant-types', 'client-credentials'], { env, encoding: 'utf8' });
    const auth = encodeBasicAuthorization(/client_id: (\S+)/.exec(out)![1], /client_secret: (\S+)/.exec(out)![1]);
    const proc: ChildProcess = spawn(NODE[0], [...NODE.slice(1), 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const url = await new Promise<string>((resolve) => { let o = ''; proc.stdout!.on('data', (d) => { o += d; const m = /serving on (\S+)/.exec(o); if (m) resolve(m[1]); }); });
    const exited = new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
    // Requests on open connections, then SIGTERM while they are being served.
    const inflight = Array.from({ length: 30 }, () => fetch(`${url}/o/token/`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded', connection: 'close' }, body: 'grant_type=client_credentials' })
      .then((r) => r.status, () => 'refused'));
    await new Promise((r) => setTimeout(r, 15));
    proc.kill('SIGTERM');
    const statuses = await Promise.all(inflight);
    // Each request either completed with its answer or was never accepted: none is cut off half-way with a 5xx.
    expect(statuses.filter((s) => s !== 200 && s !== 'refused'), JSON.stringify(statuses)).to.deep.equal([]);
    expect(statuses.filter((s) => s === 200).length).to.be.greaterThan(0);
    expect(await exited).to.equal(0);
  });
});
