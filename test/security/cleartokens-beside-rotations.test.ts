import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type Gatehouse } from '../../src/index.ts';
import { testDatabase, type TestDatabase } from '../database.ts';
import { gatehouse as run } from '../spawn-server.ts';
import { codeFlowSetup, getCode, postForm } from '../oauth-helpers.ts';
import type { TestServer } from '../helpers.ts';

// The loop runs until ROTATIONS rotations beside at least two whole cleartokens runs, or for SECONDS at most.
// Few families, so that most of the server's group commits begin with a rotation's read (see storage/sql.ts).
const ROTATIONS = 1500;
const SECONDS = 20;
const FAMILIES = 2;
/** Expired rows put back before each cleartokens run, so every run deletes (and commits) in many batches. */
const BACKLOG = 20_000;

/**
 * issue 17 #13: `cleartokens` (another process) deleting expired rows while the server rotates refresh tokens made
 * SQLite refuse the server's transactions (SQLITE_BUSY_SNAPSHOT answered 500, SQLITE_BUSY 503). A maintenance
 * command must never cost a caller an error: every rotation succeeds (at worst it waits for the write lock).
 */
describe('security: cleartokens beside refresh-token rotations (another process on the same database)', function () {
  this.timeout(120_000);
  let dir: string;
  let db: TestDatabase;
  let app: Gatehouse;
  let srv: TestServer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-clear-'));
    db = await testDatabase({ sqliteFile: join(dir, 'shared.sqlite') });
    app = await createApp({ env: 'test', database: db.database, ...db.redis, tokens: { accessTokenTtl: 1 } });
    const { url } = await app.listen(0, '127.0.0.1');
    srv = { app, url, close: async () => {} };
  });
  after(async () => { await app?.close(); await db?.drop(); rmSync(dir, { recursive: true, force: true }); });

  /** Expired access and refresh tokens, written by the server's own connection (no conflict with itself). */
  async function backlog(applicationId: number) {
    const tag = randomBytes(4).toString('hex');
    for (const table of ['access_tokens', 'refresh_tokens']) {
      await app.orm.em.getConnection().execute(`with recursive n(i) as (select 1 union all select i + 1 from n where i < ${BACKLOG})
        insert into ${table} (token_hash, application_id, scope, family_id, expires_at, created_at) select '${tag}-' || i, ${applicationId}, 'read', '${tag}', 1, 1 from n`);
    }
  }

  it('every rotation succeeds while cleartokens runs again and again: no 500, no 503', async () => {
    const setup = await codeFlowSetup(srv);
    const tokenUrl = `${srv.url}/o/token/`;
    const refresh: string[] = [];
    for (let i = 0; i < FAMILIES; i++) {
      const { code, verifier } = await getCode(setup);
      const res = await postForm(tokenUrl, { grant_type: 'authorization_code', code, redirect_uri: 'https://client.example.com/cb', code_verifier: verifier }, setup.auth);
      expect(res.status).to.equal(200);
      refresh.push((await res.json()).refresh_token);
    }

    const statuses = new Map<number, number>();
    const bad: string[] = [];
    let done = 0;
    let runs = 0;
    let stop = false;
    const deadline = Date.now() + SECONDS * 1000;
    const rotate = async (family: number) => {
      while (!stop && (done < ROTATIONS || runs < 2) && Date.now() < deadline) {
        const res = await postForm(tokenUrl, { grant_type: 'refresh_token', refresh_token: refresh[family] }, setup.auth);
        const body = await res.text();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        done++;
        if (res.status === 200) refresh[family] = JSON.parse(body).refresh_token;
        else if (res.status === 503 && /^\d+$/.test(res.headers.get('retry-after') ?? '')) continue; // the same token again
        else { bad.push(`${res.status} ${body.slice(0, 200)}`); if (res.status !== 503) return; }
      }
    };
    const gatehouse = () => run(['cleartokens'], { ...process.env, ...db.env, NODE_ENV: 'development' });
    const clear = async () => {
      while (!stop) {
        await backlog(setup.client.id);
        const { stdout } = await gatehouse();
        expect(stdout).to.match(/access_tokens: \d+ expired/);
        runs++;
      }
    };
    const rotations = Promise.all(refresh.map((_, i) => rotate(i))).finally(() => { stop = true; });
    await Promise.all([rotations, clear().finally(() => { stop = true; })]);

    const summary = `${done} rotations, ${runs} cleartokens runs, statuses ${JSON.stringify(Object.fromEntries(statuses))}`;
    expect(runs, summary).to.be.at.least(2);
    expect(bad, summary).to.deep.equal([]);
    expect(statuses.get(503) ?? 0, `no caller waits for maintenance: ${summary}`).to.equal(0);
    expect(statuses.get(200), summary).to.equal(done);
  });
});
