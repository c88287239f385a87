import { expect } from 'chai';
import pg from 'pg';
import { Browser, createTestApp, csrfFrom, type TestServer } from '../helpers.ts';
import { codeFlowSetup, consentForm, getCode, postForm } from '../oauth-helpers.ts';
import { actors } from '../graphql/gql-helpers.ts';
import { POSTGRES_URL, type TestDatabase } from '../database.ts';

// Second read 11, #1 and #3 (PostgreSQL): a grant written while a user's deactivation was still running — its
// transaction had revoked the user's grants but not yet committed — revived the revoked row. `insert … where exists
// (user active)` read the user as of its statement's start, then waited on the grant's row and updated it anyway; the
// deactivation's own update of the device codes had run before the approval bound one, so a device approved meanwhile
// polled tokens while the user was inactive, and every revived grant was live again on reactivation. Here the
// deactivation is held open, as a slow one (a user with many tokens) is, while the grant is written.
// SQLite runs each transaction synchronously to its end, so the interleaving exists on PostgreSQL only.

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const CHALLENGE = { code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' };

/** A deactivation (UserRepository.setActive's statements, in its order) on a connection of its own, left open. */
async function openDeactivation(db: TestDatabase, userId: number) {
  const client = new pg.Client({ connectionString: (db.database as { url: string }).url });
  await client.connect();
  const now = Date.now();
  await client.query('begin');
  await client.query('update users set is_active = false, sessions_ended_at = $1 where id = $2', [now, userId]);
  await client.query('update grants set revoked_at = $1 where user_id = $2 and revoked_at is null', [now, userId]);
  return {
    async commit() {
      for (const table of ['access_tokens', 'refresh_tokens', 'oauth1_tokens']) await client.query(`update ${table} set revoked_at = $1 where user_id = $2 and revoked_at is null`, [now, userId]);
      await client.query('update authorization_codes set consumed_at = $1 where user_id = $2 and consumed_at is null', [now, userId]);
      await client.query(`update device_codes set status = 'denied' where user_id = $1 and status in ('pending', 'approved')`, [userId]);
      await client.query('commit');
      await client.end();
    },
  };
}

/** Lets a request that must wait on the open deactivation reach its wait. */
const settle = () => new Promise((r) => setTimeout(r, 400));

describe('Second read 11, #1/#3: a grant written while a deactivation runs does not outlive it (PostgreSQL)', function () {
  let db: TestDatabase;
  let srv: TestServer;
  let a: Awaited<ReturnType<typeof actors>>;
  before(function () { if (!POSTGRES_URL) this.skip(); });
  beforeEach(async () => {
    srv = await createTestApp();
    db = srv.db!;
    a = await actors(srv);
  });
  afterEach(() => srv?.close());

  const live = async (userId: number) => ({
    grants: await srv.app.stores.sql.all('select id from grants where user_id = ? and revoked_at is null', [userId]),
    codes: await srv.app.stores.sql.all('select id from authorization_codes where user_id = ? and consumed_at is null', [userId]),
    tokens: await srv.app.stores.sql.all('select id from access_tokens where user_id = ? and revoked_at is null', [userId]),
  });
  const reactivate = async (userId: number) => {
    expect((await a.admin('mutation($id: ID!) { setUserActive(id: $id, active: true) { user { isActive } } }', { id: String(userId) })).errors).to.equal(undefined);
  };

  it('a consent posted meanwhile issues no code, and reactivation gives no grant back', async () => {
    const s = await codeFlowSetup(srv);
    await getCode(s); // the user's grant to the client, which the deactivation revokes
    const { fields } = await consentForm(s.browser, { response_type: 'code', client_id: s.client.clientId, redirect_uri: 'https://client.example.com/cb', scope: 'read write', state: 's', ...CHALLENGE });
    expect(fields, 'the consent page').to.not.equal(null);
    const deactivation = await openDeactivation(db, s.user.id);
    const answer = s.browser.post('/o/authorize/', { ...fields!, allow: 'Authorize' });
    await settle();
    await deactivation.commit();
    const res = await answer;
    expect(res.headers.get('location') ?? '', 'no code for a deactivated user').to.not.match(/[?&]code=/);
    await reactivate(s.user.id);
    expect(await live(s.user.id)).to.deep.equal({ grants: [], codes: [], tokens: [] });
  });

  it('a password grant meanwhile issues nothing, and reactivation gives no grant back', async () => {
    const s = await codeFlowSetup(srv, { grantTypes: ['authorization_code', 'password'] });
    await getCode(s);
    const deactivation = await openDeactivation(db, s.user.id);
    const answer = postForm(`${srv.url}/o/token/`, { grant_type: 'password', username: s.user.username, password: s.user.password, scope: 'read' }, s.auth);
    await settle();
    await deactivation.commit();
    const res = await answer;
    expect(res.status, await res.clone().text()).to.equal(400);
    expect((await res.json()).error).to.equal('invalid_grant');
    await reactivate(s.user.id);
    expect(await live(s.user.id)).to.deep.equal({ grants: [], codes: [], tokens: [] });
  });

  it('RFC 8628: a device approved meanwhile polls no token, before or after reactivation', async () => {
    const user = await srv.app.seed.user({ username: 'device-owner' });
    const { client } = await srv.app.seed.client({ owner: user, clientType: 'public', tokenEndpointAuthMethod: 'none', grantTypes: [DEVICE_GRANT as never], allowedScopes: ['read', 'write'] });
    const browser = new Browser(srv.url);
    await browser.login(user.username, user.password);
    const approve = async (scope: string) => {
      const auth = await (await postForm(`${srv.url}/o/device-authorization/`, { client_id: client.clientId, scope })).json() as Record<string, string>;
      const page = await (await browser.get(`/o/device/?user_code=${encodeURIComponent(auth.user_code)}`)).text();
      return { auth, decision: () => browser.post('/o/device/', { csrfmiddlewaretoken: csrfFrom(page)!, user_code: auth.user_code, allow: 'allow' }) };
    };
    const first = await approve('read');
    expect((await first.decision()).status, 'the first approval, which writes the grant').to.be.below(400);
    const second = await approve('write');
    const deactivation = await openDeactivation(db, user.id);
    const decided = second.decision();
    await settle();
    await deactivation.commit();
    await decided;
    const poll = () => postForm(`${srv.url}/o/token/`, { grant_type: DEVICE_GRANT, device_code: second.auth.device_code, client_id: client.clientId });
    const before = await poll();
    expect(before.status, 'polled while the user is inactive').to.equal(400);
    await reactivate(user.id);
    const after = await poll();
    expect(after.status, 'polled after reactivation').to.equal(400);
    expect((await after.json()).error).to.be.oneOf(['access_denied', 'authorization_pending', 'slow_down']);
    expect(await live(user.id)).to.deep.equal({ grants: [], codes: [], tokens: [] });
  });
});

describe('Second read 11, #1: the device poll refuses an approved code whose grant has ended', () => {
  let srv: TestServer;
  beforeEach(async () => { srv = await createTestApp(); });
  afterEach(() => srv.close());

  it('RFC 8628 §3.5: a code approved for a user no longer active is access_denied, and stays denied', async () => {
    const user = await srv.app.seed.user({ username: 'device-owner' });
    const { client } = await srv.app.seed.client({ owner: user, clientType: 'public', tokenEndpointAuthMethod: 'none', grantTypes: [DEVICE_GRANT as never], allowedScopes: ['read'] });
    const browser = new Browser(srv.url);
    await browser.login(user.username, user.password);
    const auth = await (await postForm(`${srv.url}/o/device-authorization/`, { client_id: client.clientId, scope: 'read' })).json() as Record<string, string>;
    const page = await (await browser.get(`/o/device/?user_code=${encodeURIComponent(auth.user_code)}`)).text();
    expect((await browser.post('/o/device/', { csrfmiddlewaretoken: csrfFrom(page)!, user_code: auth.user_code, allow: 'allow' })).status).to.be.below(400);
    // The flag alone, as a write that bypassed the deactivation's revocations would leave it: the grant is still live.
    await srv.app.stores.sql.run('update users set is_active = ? where id = ?', [0, user.id]);
    const poll = await postForm(`${srv.url}/o/token/`, { grant_type: DEVICE_GRANT, device_code: auth.device_code, client_id: client.clientId });
    expect(poll.status).to.equal(400);
    expect((await poll.json()).error).to.equal('access_denied');
    expect(await srv.app.stores.sql.all('select status from device_codes where user_id = ?', [user.id])).to.deep.equal([{ status: 'denied' }]);
    expect(await srv.app.stores.sql.all('select id from access_tokens where user_id = ?', [user.id])).to.deep.equal([]);
  });
});

describe('Attacker read 12, G1: a device poll racing its approval issues nothing a revocation cannot see (PostgreSQL)', function () {
  let db: TestDatabase;
  let srv: TestServer;
  let a: Awaited<ReturnType<typeof actors>>;
  before(function () { if (!POSTGRES_URL) this.skip(); });
  beforeEach(async () => {
    srv = await createTestApp();
    db = srv.db!;
    a = await actors(srv);
  });
  afterEach(() => srv?.close());

  it('RFC 8628 §3.5: a poll that looked for the grant before the approval committed hears authorization_pending; after a revocation the next hears access_denied', async () => {
    const user = await srv.app.seed.user({ username: 'device-owner' });
    const { client } = await srv.app.seed.client({ owner: user, clientType: 'public', tokenEndpointAuthMethod: 'none', grantTypes: [DEVICE_GRANT as never], allowedScopes: ['read'] });
    const browser = new Browser(srv.url);
    await browser.login(user.username, user.password);
    const start = async () => await (await postForm(`${srv.url}/o/device-authorization/`, { client_id: client.clientId, scope: 'read' })).json() as Record<string, string>;
    const first = await start();
    const page = await (await browser.get(`/o/device/?user_code=${encodeURIComponent(first.user_code)}`)).text();
    expect((await browser.post('/o/device/', { csrfmiddlewaretoken: csrfFrom(page)!, user_code: first.user_code, allow: 'allow' })).status).to.be.below(400);
    const grant = (await db.query<{ id: number }>(`select id from grants where user_id = ${user.id}`))[0];
    const second = await start();
    const code = (await db.query<{ id: number }>(`select id from device_codes where status = 'pending'`))[0];

    // The approval of the second code, as DeviceCodeRepository.decide writes it, not yet committed.
    const approval = new pg.Client({ connectionString: (db.database as { url: string }).url });
    await approval.connect();
    try {
      await approval.query('begin');
      await approval.query(`update device_codes set status = 'approved', user_id = $1, grant_id = $2, amr = 'pwd' where id = $3`, [user.id, grant.id, code.id]);
      const poll = () => postForm(`${srv.url}/o/token/`, { grant_type: DEVICE_GRANT, device_code: second.device_code, client_id: client.clientId });
      const raced = poll();
      // Until the poll waits on the code's row (it looked for the grant before the approval commits).
      for (let i = 0; i < 200; i++) {
        const waiting = await db.query(`select pid from pg_stat_activity where wait_event_type = 'Lock' and query like '%device_codes%' and pid <> pg_backend_pid()`);
        if (waiting.length) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      await approval.query('commit');
      const res = await raced;
      expect(res.status, 'the poll that raced the approval').to.equal(400);
      expect((await res.json()).error).to.equal('authorization_pending');
    } finally { await approval.end(); }
    expect((await a.admin('mutation($id: ID!) { revokeGrant(id: $id) { revokedTokens } }', { id: String(grant.id) })).errors).to.equal(undefined);
    await new Promise((r) => setTimeout(r, 5_100)); // the poll interval (RFC 8628 §3.5), so the next is not slow_down
    const after = await postForm(`${srv.url}/o/token/`, { grant_type: DEVICE_GRANT, device_code: second.device_code, client_id: client.clientId });
    expect((await after.json()).error).to.equal('access_denied');
    expect(await db.query(`select id from access_tokens where user_id = ${user.id} and revoked_at is null`)).to.deep.equal([]);
  });
});

// Attacker read 12, G2 (PostgreSQL): an issuance holds its user's row FOR SHARE, and PostgreSQL lets a new share lock
// pass a writer waiting on the row, so 30–40 overlapping auto-approved authorizations (the user's own browser) kept a
// deactivation waiting until its statement timeout: 503 every time, and the user stayed active. Every issuance passes
// its user's gate and an ending closes it first (sql-tx.ts `gate`): arrivals queue behind the ending.
describe('Attacker read 12, G2: a flood of a user\'s own issuances cannot hold off their deactivation (PostgreSQL)', function () {
  this.timeout(60_000);
  let srv: TestServer;
  let a: Awaited<ReturnType<typeof actors>>;
  before(function () { if (!POSTGRES_URL) this.skip(); });
  beforeEach(async () => { srv = await createTestApp(); a = await actors(srv); });
  afterEach(() => srv?.close());

  it('40 auto-approved authorizations kept in flight: setUserActive(false) answers without an error, and the user is inactive', async () => {
    const s = await codeFlowSetup(srv, { skipAuthorization: true });
    const query = new URLSearchParams({ response_type: 'code', client_id: s.client.clientId, redirect_uri: 'https://client.example.com/cb', scope: 'read', state: 's', ...CHALLENGE });
    let flooding = true;
    const loops = Array.from({ length: 40 }, async () => {
      while (flooding) await (await s.browser.get(`/o/authorize/?${query}`)).arrayBuffer();
    });
    await new Promise((r) => setTimeout(r, 1_000));
    const started = Date.now();
    const res = await a.admin('mutation($id: ID!) { setUserActive(id: $id, active: false) { user { isActive } } }', { id: String(s.user.id) });
    const took = Date.now() - started;
    flooding = false;
    await Promise.all(loops);
    expect(res.errors, `${took} ms: ${JSON.stringify(res.errors)}`).to.equal(undefined);
    expect(res.data.setUserActive.user.isActive).to.equal(false);
    expect(took, 'well within the 5 s statement timeout').to.be.below(4_000);
    expect(await srv.app.stores.sql.all('select id from access_tokens where user_id = ? and revoked_at is null', [s.user.id])).to.deep.equal([]);
  });
});
