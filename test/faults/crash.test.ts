import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeBasicAuthorization } from '../../src/oauth2/client-auth.ts';
import { dialect, testDatabase } from '../database.ts';
import { gatehouseSync, spawnServer as serve, stopServer } from '../spawn-server.ts';

// Kill -9 a server while it issues tokens: every token it answered with must still be valid after a restart
// (a response is sent only after its transaction commits), and nothing is half-written.
describe('faults: kill -9 under load, then restart', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'gatehouse-crash-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every token it reported as issued, and the database file stays intact', async () => {
    const db = await testDatabase({ sqliteFile: join(dir, 'crash.sqlite'), empty: true });
    const env = { ...process.env, ...db.env, PORT: '0', NODE_ENV: 'development', ADMIN_PASSWORD: 'admin-password-1' };
    gatehouseSync(['migrate'], env);
    gatehouseSync(['createuser', 'owner', '--password', 'owner-password'], env);
    const out = gatehouseSync(['createclient', '--name', 'Load', '--owner', 'owner', '--grant-types', 'client-credentials'], env);
    const auth = encodeBasicAuthorization(/client_id: (\S+)/.exec(out)![1], /client_secret: (\S+)/.exec(out)![1]);

    const first = await serve(env);
    const issued: string[] = [];
    let stop = false;
    const worker = async () => {
      while (!stop) {
        try {
          const res = await fetch(`${first.url}/o/token/`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
          if (res.status === 200) issued.push((await res.json()).access_token);
        } catch { return; }
      }
    };
    const workers = Array.from({ length: 20 }, worker);
    await new Promise((r) => setTimeout(r, 1500));
    first.proc.kill('SIGKILL');
    stop = true;
    await Promise.all(workers);
    expect(issued.length).to.be.greaterThan(20);

    const second = await serve(env);
    try {
      let inactive = 0;
      for (let i = 0; i < issued.length; i += 25) {
        await Promise.all(issued.slice(i, i + 25).map(async (token) => {
          const r = await fetch(`${second.url}/o/introspect/`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }) });
          if (!(await r.json()).active) inactive++;
        }));
      }
      expect(inactive, `${inactive} of ${issued.length} reported tokens were lost`).to.equal(0);
    } finally {
      await stopServer(second);
    }
    if (dialect === 'sqlite') expect((await db.query<{ integrity_check: string }>('pragma integrity_check'))[0].integrity_check).to.equal('ok');
    const [orphans] = await db.query<{ n: number }>('select count(*) as n from access_tokens t left join applications a on a.id = t.application_id where a.id is null');
    expect(orphans.n).to.equal(0);
  });
});
