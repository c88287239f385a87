import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeBasicAuthorization } from '../../src/oauth2/client-auth.ts';
import { testDatabase } from '../database.ts';
import { gatehouseSync, spawnServer } from '../spawn-server.ts';

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
    gatehouseSync(['migrate'], env);
    gatehouseSync(['createuser', 'owner', '--password', 'owner-password'], env);
    const out = gatehouseSync(['createclient', '--name', 'T', '--owner', 'owner', '--grant-types', 'password'], env);
    const auth = encodeBasicAuthorization(/client_id: (\S+)/.exec(out)![1], /client_secret: (\S+)/.exec(out)![1]);
    const { proc, url, exited } = await spawnServer(env);
    // Password grants: each waits ~tens of ms for scrypt in libuv's thread pool, so thirty of them are truly in
    // flight (not already answered) when the signal is handled.
    const token = () => fetch(`${url}/o/token/`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded', connection: 'close' }, body: 'grant_type=password&username=owner&password=owner-password' });
    // One request first, so the client library is loaded and connecting takes no time of its own: a fixed delay
    // before SIGTERM raced it, and on a slow machine every request was still unsent when the signal came.
    expect((await token()).status).to.equal(200);
    // Thirty requests on their own connections; SIGTERM as soon as the first is answered, while the others are
    // being served or queued.
    let signalled = false;
    let answeredAfter = 0;
    const inflight = Array.from({ length: 30 }, () => token().then((r) => {
      if (!signalled) { signalled = true; proc.kill('SIGTERM'); } else if (r.status === 200) answeredAfter++;
      return r.status;
    }, () => 'refused'));
    const statuses = await Promise.all(inflight);
    expect(signalled, 'SIGTERM was sent while requests were in flight').to.equal(true);
    // Each request either completed with its answer or was never accepted: none is cut off half-way with a 5xx.
    expect(statuses.filter((s) => s !== 200 && s !== 'refused'), JSON.stringify(statuses)).to.deep.equal([]);
    // And draining is real: requests already being served when the signal came were still answered (a server that
    // dropped its connections on SIGTERM would turn them all into 'refused' above).
    expect(answeredAfter, JSON.stringify(statuses)).to.be.greaterThan(0);
    expect(await exited).to.equal(0);
  });
});
