import { expect } from 'chai';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { createTestApp, type TestServer } from '../helpers.ts';
import { codeFlowSetup, codeFlowTokens } from '../oauth-helpers.ts';
import { actors } from '../graphql/gql-helpers.ts';
import { scriptedRp } from '../backchannel-rp.ts';

/**
 * Back-Channel Logout §2.3/§2.5 for sessions that end away from the browser: every client that got an ID Token in
 * one of the user's sessions gets a logout token naming that session's sid, and the browser session is over.
 */
describe('Back-Channel Logout when a user\'s sessions end elsewhere (deactivation, a new password, an administrator)', () => {
  let t: TestServer;
  let a: Awaited<ReturnType<typeof actors>>;
  before(async () => { t = await createTestApp({ outboundAllowedHosts: ['127.0.0.1'] }); a = await actors(t); });
  after(() => t.close());

  /** A user signed in to two clients with a back-channel, in one browser session; the ID Tokens' sids. */
  async function signedInToTwo(rpUrl: string) {
    const s = await codeFlowSetup(t, { allowedScopes: ['openid'], backchannelLogoutUri: rpUrl });
    const other = await t.app.seed.client({ owner: s.user, grantTypes: ['authorization_code'], redirectUris: ['https://client.example.com/cb'], allowedScopes: ['openid'], backchannelLogoutUri: rpUrl });
    const s2 = { ...s, client: other.client, auth: { id: other.client.clientId, secret: other.clientSecret ?? '' } };
    const jwks = createLocalJWKSet(await (await fetch(`${t.url}/.well-known/jwks.json`)).json() as JSONWebKeySet);
    const sids = [];
    for (const x of [s, s2]) sids.push((await jwtVerify((await codeFlowTokens(t, x, { scope: 'openid' })).id_token, jwks)).payload.sid);
    expect(sids[0]).to.equal(sids[1]);
    return { s, clients: [s.client.clientId, other.client.clientId], sid: sids[0] as string, jwks };
  }

  async function received(rp: { tokens: string[] }, jwks: ReturnType<typeof createLocalJWKSet>) {
    await t.app.backchannel.idle();
    return Promise.all(rp.tokens.map(async (tok) => (await jwtVerify(tok, jwks, { issuer: t.app.config.issuer, typ: 'logout+jwt' })).payload));
  }

  it('GraphQL setUserActive(false): each client of the session gets a logout token with its sid; the browser is signed out', async () => {
    const rp = await scriptedRp([200]);
    try {
      const { s, clients, sid, jwks } = await signedInToTwo(rp.url);
      const r = await a.admin('mutation($id: ID!) { setUserActive(id: $id, active: false) { user { isActive } } }', { id: String(s.user.id) });
      expect(r.errors).to.equal(undefined);
      const tokens = await received(rp, jwks);
      expect(tokens.map((p) => p.aud).sort()).to.deep.equal([...clients].sort());
      for (const p of tokens) expect(p).to.include({ sub: String(s.user.id), sid });
      expect((await s.browser.get('/o/authorized_tokens/')).status).to.equal(302);
      const ended = await t.app.stores.sql.all<{ detail: string }>('select detail from events where type = ? order by id desc', ['user.sessions_ended']);
      expect(JSON.parse(String(ended[0].detail))).to.include({ id: s.user.id, reason: 'deactivated', sessions: 1 });
    } finally { rp.server.close(); }
  });

  it('GraphQL endUserSessions (administrators only): logout tokens, the session ends, the user may sign in again', async () => {
    const rp = await scriptedRp([200]);
    try {
      const { s, clients, sid, jwks } = await signedInToTwo(rp.url);
      const denied = await a.user('mutation($id: ID!) { endUserSessions(id: $id) { user { id } } }', { id: String(s.user.id) });
      expect(denied.errors?.[0]?.extensions?.code).to.equal('FORBIDDEN');
      expect((await s.browser.get('/o/authorized_tokens/')).status).to.equal(200);
      const r = await a.admin('mutation($id: ID!) { endUserSessions(id: $id) { user { id isActive } } }', { id: String(s.user.id) });
      expect(r.data.endUserSessions.user.isActive).to.equal(true);
      const tokens = await received(rp, jwks);
      expect(tokens.map((p) => [p.aud, p.sid]).sort()).to.deep.equal(clients.map((c) => [c, sid]).sort());
      expect((await s.browser.get('/o/authorized_tokens/')).status).to.equal(302);
      // Sessions after the end are fine.
      await s.browser.login(s.user.username, s.user.password);
      expect((await s.browser.get('/o/authorized_tokens/')).status).to.equal(200);
      // The sessions were taken: a second call tells nobody again.
      await a.admin('mutation($id: ID!) { endUserSessions(id: $id) { user { id } } }', { id: String(s.user.id) });
      await t.app.backchannel.idle();
      expect(rp.tokens).to.have.length(2);
    } finally { rp.server.close(); }
  });

  it('the first sign-in after the sessions were ended works: the login page shown to the ended session carries a usable token (attacker read 17, F2)', async () => {
    const rp = await scriptedRp([200]);
    try {
      const { s } = await signedInToTwo(rp.url);
      await a.admin('mutation($id: ID!) { endUserSessions(id: $id) { user { id } } }', { id: String(s.user.id) });
      // The browser still holds the ended session's cookie when it opens the login page.
      const res = await s.browser.login(s.user.username, s.user.password);
      expect(res.status).to.equal(302);
      expect((await s.browser.get('/o/authorized_tokens/')).status).to.equal(200);
      await t.app.backchannel.idle();
    } finally { rp.server.close(); }
  });

  it('GraphQL setUserPassword (administrators only, strength rule): the old sessions end and their clients get logout tokens', async () => {
    const rp = await scriptedRp([200]);
    try {
      const { s, clients, sid, jwks } = await signedInToTwo(rp.url);
      const set = 'mutation($id: ID!, $p: String!) { setUserPassword(id: $id, password: $p) { user { id } } }';
      expect((await a.user(set, { id: String(s.user.id), p: 'a brand new passphrase 42' })).errors?.[0]?.extensions?.code).to.equal('FORBIDDEN');
      expect((await a.admin(set, { id: String(s.user.id), p: 'short' })).errors?.[0]?.extensions?.code).to.equal('BAD_USER_INPUT');
      await t.app.backchannel.idle();
      expect(rp.tokens).to.have.length(0);
      expect((await s.browser.get('/o/authorized_tokens/')).status).to.equal(200);
      expect((await a.admin(set, { id: String(s.user.id), p: 'a brand new passphrase 42' })).errors).to.equal(undefined);
      const tokens = await received(rp, jwks);
      expect(tokens.map((p) => [p.aud, p.sid]).sort()).to.deep.equal(clients.map((c) => [c, sid]).sort());
      expect((await s.browser.get('/o/authorized_tokens/')).status).to.equal(302);
      expect((await s.browser.login(s.user.username, s.user.password)).status).to.equal(400);
      expect((await s.browser.login(s.user.username, 'a brand new passphrase 42')).status).to.equal(302);
    } finally { rp.server.close(); }
  });

  it('a browser logout forgets its session: ending the user\'s sessions later sends nothing more', async () => {
    const rp = await scriptedRp([200]);
    try {
      const { s } = await signedInToTwo(rp.url);
      const html = await (await s.browser.get('/o/logout/')).text();
      await s.browser.post('/o/logout/confirm/', { csrfmiddlewaretoken: /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(html)![1] });
      await t.app.backchannel.idle();
      expect(rp.tokens).to.have.length(2);
      await a.admin('mutation($id: ID!) { endUserSessions(id: $id) { user { id } } }', { id: String(s.user.id) });
      await t.app.backchannel.idle();
      expect(rp.tokens).to.have.length(2);
    } finally { rp.server.close(); }
  });
});
