import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OAuth from 'oauth-1.0a';
import { createApp } from '../../src/index.ts';
import { Browser, createTestApp, csrfFrom, type TestServer } from '../helpers.ts';
import { codeFlowSetup, getCode, postForm, redirectedRefusal } from '../oauth-helpers.ts';
import { actors } from '../graphql/gql-helpers.ts';
import { testDatabase } from '../database.ts';
import { gatehouse } from '../spawn-server.ts';

// Attacker read 8, finding 5: deactivating a user only flipped is_active, and "revoked" was worked out from it at
// each lookup, so an account recovered after a compromise (deactivate, new password, reactivate) gave the
// attacker's tokens back. Deactivation now revokes what the user holds, in the flag's transaction, whichever
// interface deactivates: GraphQL (which the admin console calls, test/e2e/admin-console.test.ts) and the CLI.

const CALLBACK = 'https://client.example.com/cb';
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** An OAuth 1.0a consumer (the npm `oauth-1.0a` package, HMAC-SHA1), as test/e2e/oauth1.test.ts. */
const consumer = (key: string, secret: string) => new OAuth({ consumer: { key, secret }, signature_method: 'HMAC-SHA1', hash_function: (base, k) => createHmac('sha1', k).update(base).digest('base64') });
function signed(o: OAuth, url: string, data: Record<string, string> = {}, token?: OAuth.Token, method = 'POST') {
  return fetch(url, { method, headers: { ...o.toHeader(o.authorize({ url, method, data }, token)) } });
}
const form = async (res: Response) => Object.fromEntries(new URLSearchParams(await res.text()));

type Setup = Awaited<ReturnType<typeof codeFlowSetup>>;

/**
 * Everything a person can hold, as an attacker who took over the account would: an access and a refresh token
 * (RFC 6749 code flow), an authorization code not yet redeemed, OAuth 1.0a token credentials (RFC 5849).
 */
async function hold(srv: TestServer, s: Setup) {
  const first = await getCode(s);
  const body = await (await postForm(`${srv.url}/o/token/`, { grant_type: 'authorization_code', code: first.code, redirect_uri: CALLBACK, code_verifier: first.verifier }, s.auth)).json();
  expect(body.refresh_token, 'the code flow issues a refresh token').to.be.a('string');
  const pending = await getCode(s);
  const o = consumer(s.client.clientId, s.secret!);
  const temp = await form(await signed(o, `${srv.url}/oauth1/initiate`, { oauth_callback: CALLBACK }));
  const page = await (await s.browser.get(`/oauth1/authorize?oauth_token=${encodeURIComponent(temp.oauth_token)}`)).text();
  const back = new URL((await s.browser.post('/oauth1/authorize', { csrfmiddlewaretoken: csrfFrom(page)!, oauth_token: temp.oauth_token, allow: 'Authorize' })).headers.get('location')!);
  const creds = await form(await signed(o, `${srv.url}/oauth1/token`, { oauth_verifier: back.searchParams.get('oauth_verifier')! }, { key: temp.oauth_token, secret: temp.oauth_token_secret }));
  const oauth1 = { key: creds.oauth_token, secret: creds.oauth_token_secret };
  expect((await signed(o, `${srv.url}/api/hello`, {}, oauth1, 'GET')).status, 'the OAuth 1 token works before').to.equal(200);
  return { access: body.access_token as string, refresh: body.refresh_token as string, pending, o, oauth1 };
}
type Held = Awaited<ReturnType<typeof hold>>;

/** A resource server allowed to introspect (RFC 7662 §2.1). */
async function introspector(srv: TestServer, owner: Parameters<TestServer['app']['seed']['client']>[0]['owner']) {
  const { client, clientSecret } = await srv.app.seed.client({ owner, name: 'Resource server', grantTypes: ['client_credentials'], redirectUris: [], allowedScopes: ['read', 'introspection'] });
  return { id: client.clientId, secret: clientSecret! };
}

/** After deactivate → new password → reactivate: nothing held before works, and the rows say revoked. */
async function expectAllDead(srv: TestServer, s: Setup, held: Held, rs: { id: string; secret: string }) {
  const hello = await fetch(`${srv.url}/api/hello`, { headers: { authorization: `Bearer ${held.access}` } });
  expect(hello.status, 'the old access token at /api/hello').to.equal(401);
  expect(hello.headers.get('www-authenticate')).to.include('error="invalid_token"');
  expect((await (await postForm(`${srv.url}/o/introspect/`, { token: held.access }, rs)).json()).active, 'introspection (RFC 7662)').to.equal(false);
  const refresh = await postForm(`${srv.url}/o/token/`, { grant_type: 'refresh_token', refresh_token: held.refresh }, s.auth);
  expect(refresh.status, 'the old refresh token').to.equal(400);
  expect((await refresh.json()).error).to.equal('invalid_grant');
  const code = await postForm(`${srv.url}/o/token/`, { grant_type: 'authorization_code', code: held.pending.code, redirect_uri: CALLBACK, code_verifier: held.pending.verifier }, s.auth);
  expect(code.status, 'the code issued before').to.equal(400);
  expect((await code.json()).error).to.equal('invalid_grant');
  expect((await signed(held.o, `${srv.url}/api/hello`, {}, held.oauth1, 'GET')).status, 'the OAuth 1 token').to.equal(401);

  const id = s.user.id;
  const sql = srv.app.stores.sql;
  const live = async (table: string, ended: string) => Number((await sql.get<{ n: number }>(`select count(*) as n from ${table} where user_id = ? and ${ended} is null`, [id]))!.n);
  const all = async (table: string) => Number((await sql.get<{ n: number }>(`select count(*) as n from ${table} where user_id = ?`, [id]))!.n);
  for (const [table, ended] of [['access_tokens', 'revoked_at'], ['refresh_tokens', 'revoked_at'], ['grants', 'revoked_at'], ['oauth1_tokens', 'revoked_at'], ['authorization_codes', 'consumed_at']]) {
    expect(await all(table), `${table} rows of the user`).to.be.above(0);
    expect(await live(table, ended), `${table} rows of the user left live`).to.equal(0);
  }
  expect(Boolean((await sql.get<{ is_active: unknown }>('select is_active from users where id = ?', [id]))!.is_active), 'reactivated').to.equal(true);
}

describe('Attacker read 8, finding 5: deactivating a user revokes what they hold (RFC 7009 §2.1)', () => {
  describe('GraphQL setUserActive (the admin console\'s call)', () => {
    let srv: TestServer;
    let a: Awaited<ReturnType<typeof actors>>;
    beforeEach(async () => { srv = await createTestApp(); a = await actors(srv); });
    afterEach(() => srv.close());

    it('deactivate → setUserPassword → reactivate: the old access, refresh, code and OAuth 1 tokens stay dead', async () => {
      const s = await codeFlowSetup(srv, { oauth1Enabled: true });
      const held = await hold(srv, s);
      const rs = await introspector(srv, a.root);
      const id = String(s.user.id);
      expect((await a.admin('mutation($id: ID!) { setUserActive(id: $id, active: false) { user { isActive } } }', { id })).errors).to.equal(undefined);
      expect((await a.admin('mutation($id: ID!) { setUserPassword(id: $id, password: "a brand new passphrase 42") { user { id } } }', { id })).errors).to.equal(undefined);
      expect((await a.admin('mutation($id: ID!) { setUserActive(id: $id, active: true) { user { isActive } } }', { id })).data.setUserActive.user.isActive).to.equal(true);
      await expectAllDead(srv, s, held, rs);
      // The audit row says what the deactivation ended: at least the access, refresh and OAuth 1 tokens and the
      // pending code (the spent OAuth 1 temporary credentials are marked revoked too).
      const ev = await srv.app.stores.sql.get<{ detail: string }>('select detail from events where type = ? order by id desc limit 1', ['user.deactivated']);
      const detail = JSON.parse(ev!.detail);
      expect(detail.id).to.equal(s.user.id);
      expect(detail.tokens).to.be.at.least(4);
    });

    // Attacker read 10, F1: a request that checked the user before the deactivation and wrote after it revived the
    // revoked grant, and its tokens lived again once the user was reactivated. The grant's write waits here.
    for (const path of ['password grant', 'consent'] as const) {
      it(`a ${path} in flight across the deactivation gets nothing, and reactivation gives nothing back (attacker read 10, F1)`, async () => {
        const s = await codeFlowSetup(srv, { grantTypes: ['authorization_code', 'password'] });
        await getCode(s); // a grant exists, then is revoked by the deactivation below
        const grants = srv.app.stores.grants;
        let reached!: () => void;
        const atWrite = new Promise<void>((r) => { reached = r; });
        let release!: () => void;
        const gate = new Promise<void>((r) => { release = r; });
        grants.upsert = (async (...args: Parameters<typeof grants.upsert>) => { reached(); await gate; return Object.getPrototypeOf(grants).upsert.apply(grants, args); }) as typeof grants.upsert;
        const id = String(s.user.id);
        try {
          let answer: Promise<Response>;
          if (path === 'password grant') {
            answer = postForm(`${srv.url}/o/token/`, { grant_type: 'password', username: s.user.username, password: s.user.password, scope: 'read' }, s.auth);
          } else {
            const { fields } = await (await import('../oauth-helpers.ts')).consentForm(s.browser, { response_type: 'code', client_id: s.client.clientId, redirect_uri: 'https://client.example.com/cb', scope: 'read write', state: 's', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' });
            expect(fields, 'the consent page').to.not.equal(null);
            answer = s.browser.post('/o/authorize/', { ...fields!, allow: 'Authorize' });
          }
          await atWrite;
          expect((await a.admin('mutation($id: ID!) { setUserActive(id: $id, active: false) { user { isActive } } }', { id })).errors).to.equal(undefined);
          release();
          const res = await answer;
          if (path === 'password grant') {
            expect(res.status, await res.clone().text()).to.equal(400);
            expect((await res.json()).error).to.equal('invalid_grant');
          } else {
            // RFC 6749 §4.1.2.1: the redirect_uri was validated, so the refusal goes to the client, without a code.
            expect(redirectedRefusal(res, { issuer: srv.app.config.issuer, state: 's', callback: CALLBACK }).get('error')).to.equal('access_denied');
          }
        } finally { release(); delete (grants as { upsert?: unknown }).upsert; }
        expect((await a.admin('mutation($id: ID!) { setUserActive(id: $id, active: true) { user { isActive } } }', { id })).errors).to.equal(undefined);
        const sql = srv.app.stores.sql;
        expect(await sql.all('select id from grants where user_id = ? and revoked_at is null', [s.user.id]), 'live grants').to.deep.equal([]);
        expect(await sql.all('select id from access_tokens where user_id = ? and revoked_at is null', [s.user.id]), 'live access tokens').to.deep.equal([]);
        expect(await sql.all('select id from authorization_codes where user_id = ? and consumed_at is null', [s.user.id]), 'live codes').to.deep.equal([]);
      });
    }

    it('RFC 8628: a device authorization approved before the deactivation is denied at its poll after reactivation (§3.5 access_denied)', async () => {
      const user = await srv.app.seed.user({ username: 'device-owner' });
      const { client } = await srv.app.seed.client({ owner: user, clientType: 'public', tokenEndpointAuthMethod: 'none', grantTypes: [DEVICE_GRANT as never], allowedScopes: ['read'] });
      const browser = new Browser(srv.url);
      await browser.login(user.username, user.password);
      const auth = await (await postForm(`${srv.url}/o/device-authorization/`, { client_id: client.clientId, scope: 'read' })).json() as Record<string, string>;
      const page = await (await browser.get(`/o/device/?user_code=${encodeURIComponent(auth.user_code)}`)).text();
      await browser.post('/o/device/', { csrfmiddlewaretoken: csrfFrom(page)!, user_code: auth.user_code, allow: 'allow' });
      const id = String(user.id);
      await a.admin('mutation($id: ID!) { setUserActive(id: $id, active: false) { user { isActive } } }', { id });
      await a.admin('mutation($id: ID!) { setUserActive(id: $id, active: true) { user { isActive } } }', { id });
      const poll = await postForm(`${srv.url}/o/token/`, { grant_type: DEVICE_GRANT, device_code: auth.device_code, client_id: client.clientId });
      expect(poll.status).to.equal(400);
      expect((await poll.json()).error).to.equal('access_denied');
      expect(await srv.app.stores.sql.all('select status from device_codes where user_id = ?', [user.id])).to.deep.equal([{ status: 'denied' }]);
    });

    it('a user signed in again after reactivation gets new tokens that work', async () => {
      const s = await codeFlowSetup(srv);
      const id = String(s.user.id);
      await a.admin('mutation($id: ID!) { setUserActive(id: $id, active: false) { user { isActive } } }', { id });
      await a.admin('mutation($id: ID!) { setUserActive(id: $id, active: true) { user { isActive } } }', { id });
      const again = { ...s, browser: new Browser(srv.url) };
      await again.browser.login(s.user.username, s.user.password);
      const { code, verifier } = await getCode(again);
      const body = await (await postForm(`${srv.url}/o/token/`, { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: verifier }, s.auth)).json();
      expect((await fetch(`${srv.url}/api/hello`, { headers: { authorization: `Bearer ${body.access_token}` } })).status).to.equal(200);
    });
  });

  describe('CLI deactivateuser', () => {
    let dir: string;
    let db: Awaited<ReturnType<typeof testDatabase>>;
    before(async () => { dir = mkdtempSync(join(tmpdir(), 'gatehouse-deact-')); db = await testDatabase({ sqliteFile: join(dir, 'd.sqlite') }); });
    after(async () => { rmSync(dir, { recursive: true, force: true }); await db.drop(); });

    it('deactivateuser → setpassword → reactivate: the old access, refresh, code and OAuth 1 tokens stay dead', async () => {
      const app = await createApp({ env: 'test', database: db.database });
      const { url } = await app.listen(0, '127.0.0.1');
      const srv = { app, url, close: () => app.close() };
      try {
        const s = await codeFlowSetup(srv, { oauth1Enabled: true });
        const held = await hold(srv, s);
        const rs = await introspector(srv, s.user);
        const env = { ...process.env, ...db.env, NODE_ENV: 'development' };
        const { stdout } = await gatehouse(['deactivateuser', s.user.username], env);
        expect(Number(/Revoked (\d+) token/.exec(stdout)?.[1])).to.be.at.least(4);
        await gatehouse(['setpassword', s.user.username, '--password', 'a brand new passphrase 42'], env);
        // No command reactivates; the administrator does it through the API (GraphQL's setUserActive calls this).
        await app.withContext(() => app.stores.users.setActive(s.user.id, true));
        await expectAllDead(srv, s, held, rs);
      } finally { await app.close(); }
    });
  });
});
