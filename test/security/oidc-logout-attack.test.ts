import { createServer } from 'node:http';
import { expect } from 'chai';
import { createTestApp, csrfFrom, type TestServer } from '../helpers.ts';
import { authorizeThroughConsent, codeFlowSetup, codeFlowTokens, getCode, postForm } from '../oauth-helpers.ts';
import { deliveryEvents, scriptedRp, tarpit } from '../backchannel-rp.ts';
import { logoutToken } from '../../src/oidc/logout.ts';
import { isPrivateAddress } from '../../src/oidc/outbound.ts';
import { validateClientInput } from '../../src/oauth2/client-registration.ts';
import { OPERATOR } from '../../src/oauth2/privileges.ts';

// The attacker's read of issue 19's logout and authentication-request rules: each finding written here first and
// seen failing.
describe('security: issue 19 attacker read (logout, sessions, requested subjects)', () => {
  let t: TestServer;
  before(async () => { t = await createTestApp({ outboundAllowedHosts: ['127.0.0.1'] }, { backchannelRetryDelaysMs: [10] }); });
  after(() => t.close());

  const BYE = 'https://evil.example/bye';
  /** A hostile user's own client, with a post-logout URI of their choosing, and an ID Token of their own for it. */
  async function selfMintedHint() {
    const s = await codeFlowSetup(t, { allowedScopes: ['openid'], postLogoutRedirectUris: [BYE] });
    const { id_token: hint } = await codeFlowTokens(t, s, { scope: 'openid', nonce: 'n' });
    return { s, hint };
  }
  const logoutUrl = (hint: string) => `/o/logout/?${new URLSearchParams({ id_token_hint: hint, post_logout_redirect_uri: BYE, state: 'x' })}`;

  it('#1 with nobody signed in, a valid hint does not redirect by itself: the signed-out page offers the link', async () => {
    const { hint } = await selfMintedHint();
    const res = await fetch(`${t.url}${logoutUrl(hint)}`, { redirect: 'manual' });
    expect(res.status).to.equal(200);
    const html = await res.text();
    expect(html).to.include('href="https://evil.example/bye?state=x"');
    expect(html).to.not.match(/http-equiv="refresh"/);
  });

  it('#1 a hint of another user: the signed-in user is asked, and after confirming stays on our page', async () => {
    const { hint } = await selfMintedHint();
    const victim = await codeFlowSetup(t, { allowedScopes: ['openid'] });
    const page = await victim.browser.get(logoutUrl(hint));
    expect(page.status).to.equal(200);
    const done = await victim.browser.post('/o/logout/confirm/', { csrfmiddlewaretoken: csrfFrom(await page.text())! });
    expect(done.status).to.equal(200);
    expect(done.headers.get('location')).to.equal(null);
  });

  it('#12 a logout token (typ logout+jwt) is not an ID Token hint, for logout or for authorization', async () => {
    const { s } = await selfMintedHint();
    const token = await logoutToken(t.app.signingKeys, t.app.config.issuer, s.client, { sub: String(s.user.id), sid: null }, Date.now());
    const res = await s.browser.get(logoutUrl(token));
    expect(res.status).to.equal(400);
    const authz = await s.browser.get(`/o/authorize/?${new URLSearchParams({ response_type: 'code', client_id: s.client.clientId, redirect_uri: 'https://client.example.com/cb', scope: 'openid', state: 's', id_token_hint: token, code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' })}`);
    expect(authz.status).to.equal(302);
    expect(new URL(authz.headers.get('location')!).searchParams.get('error')).to.equal('invalid_request');
  });

  it('#4 a fresh login of the same user (prompt=login) keeps the session\'s relying parties: logout reaches both', async () => {
    const rp = await scriptedRp([200]);
    try {
      const one = await codeFlowSetup(t, { allowedScopes: ['openid'], backchannelLogoutUri: rp.url });
      await codeFlowTokens(t, one, { scope: 'openid' });
      const { client: two } = await t.app.seed.client({ owner: one.user, grantTypes: ['authorization_code'], redirectUris: ['https://client.example.com/cb'], allowedScopes: ['openid'], backchannelLogoutUri: rp.url });
      // Signed in to the second client with prompt=login: the login page, then the code.
      const first = await one.browser.get(`/o/authorize/?${new URLSearchParams({ response_type: 'code', client_id: two.clientId, redirect_uri: 'https://client.example.com/cb', scope: 'openid', prompt: 'login', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' })}`);
      expect(first.status).to.equal(302);
      const login = new URL(first.headers.get('location')!, t.url);
      expect((await one.browser.login(one.user.username, one.user.password, login.searchParams.get('next')!, login.pathname + login.search)).status).to.equal(302);
      const back = await authorizeThroughConsent(one.browser, { response_type: 'code', client_id: two.clientId, redirect_uri: 'https://client.example.com/cb', scope: 'openid', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' });
      expect(back.searchParams.get('code')).to.be.a('string');
      const html = await (await one.browser.get('/o/logout/')).text();
      expect((await one.browser.post('/o/logout/confirm/', { csrfmiddlewaretoken: csrfFrom(html)! })).status).to.equal(200);
      await t.app.backchannel.idle();
      const audiences = rp.tokens.map((tok) => JSON.parse(Buffer.from(tok.split('.')[1], 'base64url').toString()).aud as string);
      expect(audiences).to.have.members([one.client.clientId, two.clientId]);
    } finally { rp.server.close(); }
  });

  it('#10 a failed delivery tells the client\'s owner a reason class, not how a host name resolves', async () => {
    const s = await codeFlowSetup(t, { allowedScopes: ['openid'], backchannelLogoutUri: 'https://localhost/bc' });
    await codeFlowTokens(t, s, { scope: 'openid' });
    const html = await (await s.browser.get('/o/logout/')).text();
    await s.browser.post('/o/logout/confirm/', { csrfmiddlewaretoken: csrfFrom(html)! });
    const [event] = await deliveryEvents(t, s.client.clientId);
    expect(event.detail.error).to.equal('refused');
  });

  it('#9 one logout of a user with many clients keeps at most a few deliveries in flight at once', async () => {
    let open = 0;
    let most = 0;
    const tarpit = createServer((req, res) => { open++; most = Math.max(most, open); setTimeout(() => { open--; res.writeHead(200).end(); }, 100); });
    await new Promise<void>((r) => tarpit.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(tarpit.address() as { port: number }).port}/bc`;
      const owner = await t.app.seed.user({ username: 'fanout' });
      const ids: string[] = [];
      for (let i = 0; i < 40; i++) ids.push((await t.app.seed.client({ owner, grantTypes: ['authorization_code'], redirectUris: ['https://client.example.com/cb'], allowedScopes: ['openid'], backchannelLogoutUri: url })).client.clientId);
      t.app.backchannel.notify(ids, { sid: 'sid-fanout', userId: owner.id });
      await t.app.backchannel.idle();
      expect(most).to.be.at.most(8);
      expect(most).to.be.at.least(2);
    } finally { tarpit.close(); }
  });

  it('#6 claims asking for a sub value (Core §5.5.1): another signed-in user gets login_required, never a token for the wrong user', async () => {
    const s = await codeFlowSetup(t, { allowedScopes: ['openid'] });
    await codeFlowTokens(t, s, { scope: 'openid' });
    const claims = JSON.stringify({ id_token: { sub: { value: '999999', essential: true } } });
    const res = await s.browser.get(`/o/authorize/?${new URLSearchParams({ response_type: 'code', client_id: s.client.clientId, redirect_uri: 'https://client.example.com/cb', scope: 'openid', prompt: 'none', state: 's', claims, code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' })}`);
    expect(res.status).to.equal(302);
    const back = new URL(res.headers.get('location')!);
    expect(back.searchParams.get('error')).to.equal('login_required');
    expect(back.searchParams.get('code')).to.equal(null);
    // The signed-in user's own sub is fine.
    const own = await getCode(s, { scope: 'openid', claims: JSON.stringify({ id_token: { sub: { value: String(s.user.id) } } }) });
    const tok = await postForm(`${t.url}/o/token/`, { grant_type: 'authorization_code', code: own.code, redirect_uri: 'https://client.example.com/cb', code_verifier: own.verifier }, s.auth);
    expect(tok.status).to.equal(200);
  });
});

describe('security: issue 19 second attacker read (sessions ended elsewhere, sectors, outbound ranges)', () => {
  let t: TestServer;
  before(async () => { t = await createTestApp({ outboundAllowedHosts: ['127.0.0.1'] }, { backchannelRetryDelaysMs: [10] }); });
  after(() => t.close());

  it('F1 an administrator ending a user\'s sessions: refreshed ID Tokens no longer name the ended sid (Core §12.2)', async () => {
    const s = await codeFlowSetup(t, { allowedScopes: ['openid'] });
    const tokens = await codeFlowTokens(t, s, { scope: 'openid', nonce: 'n' });
    const sid = JSON.parse(Buffer.from(tokens.id_token.split('.')[1], 'base64url').toString()).sid as string;
    expect(sid).to.be.a('string');
    await t.app.loginSessions.endAllOf(s.user.id, 'administrator');
    const res = await postForm(`${t.url}/o/token/`, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }, s.auth);
    expect(res.status).to.equal(200);
    const refreshed = JSON.parse(Buffer.from(((await res.json()) as { id_token: string }).id_token.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
    expect(refreshed).to.not.have.property('sid');
  });

  it('F3 an update that leaves sector_identifier_uri out keeps it (a pairwise sub stays stable, Core §8.1)', async () => {
    const current = { sectorIdentifierUri: 'https://sector.example/doc.json', subjectType: 'pairwise', grantTypes: ['authorization_code'], responseTypes: ['code'] } as never;
    const policy = { allowInsecureTransport: false, knownScopes: ['openid'], sectorDocument: async () => ['https://rp.example/cb'], lifetimeMaxima: { accessTokenLifetime: 86400, refreshTokenLifetime: 86400, authorizationCodeLifetime: 600 } };
    const r = await validateClientInput({ name: 'P', clientType: 'confidential', grantTypes: ['authorization_code'], redirectUris: ['https://rp.example/cb'], allowedScopes: ['openid'], allowedOrigins: [], postLogoutRedirectUris: [] }, policy, { actor: OPERATOR, current });
    expect(r.ok).to.equal(true);
    expect((r as { value: { sectorIdentifierUri: string } }).value.sectorIdentifierUri).to.equal('https://sector.example/doc.json');
  });

  it('outbound calls refuse deprecated site-local IPv6 (fec0::/10) like other private ranges', () => {
    expect(isPrivateAddress('fec0::1')).to.equal(true);
  });
});

describe('security: issue 19 second attacker read (id_token_hint without a session)', () => {
  let t: TestServer;
  before(async () => { t = await createTestApp(); });
  after(() => t.close());

  it('F2 an id_token_hint sent without a session does not put the user\'s name in the login redirect', async () => {
    const s = await codeFlowSetup(t, { allowedScopes: ['openid'] });
    const { id_token: hint } = await codeFlowTokens(t, s, { scope: 'openid', nonce: 'n' });
    const res = await fetch(`${t.url}/o/authorize/?${new URLSearchParams({ response_type: 'code', client_id: s.client.clientId, redirect_uri: 'https://client.example.com/cb', scope: 'openid', id_token_hint: hint, code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' })}`, { redirect: 'manual' });
    expect(res.status).to.equal(302);
    expect(decodeURIComponent(res.headers.get('location')!)).to.not.include(s.user.username);
  });
});

describe('security: attacker read 20 (back-channel logout under a flood)', () => {
  let t: TestServer;
  before(async () => { t = await createTestApp({ outboundAllowedHosts: ['127.0.0.1', 'localhost'] }, { backchannelRetryDelaysMs: [10] }); });
  after(() => t.close());

  type Hanging = Awaited<ReturnType<typeof tarpit>>;
  type Rp = Awaited<ReturnType<typeof scriptedRp>>;
  /** A flood test beside a host that never answers and a relying party that answers 200: both closed, deliveries drained, after. */
  async function besideHangingHost(fn: (hanging: Hanging, rp: Rp) => Promise<void>) {
    const hanging = await tarpit();
    const rp = await scriptedRp([200]);
    try { await fn(hanging, rp); } finally {
      hanging.close();
      rp.server.close();
      await t.app.backchannel.idle();
    }
  }
  /** A client of `owner` whose back-channel logout goes to `rp`, notified of one logout: the ms until the RP heard it (at most `patienceMs`). */
  async function msUntilTold(rp: Rp, owner: Awaited<ReturnType<TestServer['app']['seed']['user']>>, sid: string, patienceMs: number): Promise<number> {
    const client = (await t.app.seed.client({ owner, grantTypes: ['authorization_code'], redirectUris: ['https://rp.example/cb'], allowedScopes: ['openid'], backchannelLogoutUri: rp.url })).client;
    const started = Date.now();
    t.app.backchannel.notify([client.clientId], { sid, userId: owner.id });
    while (rp.tokens.length === 0 && Date.now() - started < patienceMs) await new Promise((r) => setTimeout(r, 20));
    return Date.now() - started;
  }

  it('F3 deliveries to one host that never answers take their owner\'s share: another owner\'s relying party, even on that host, is told at once (attacker reads 20 F3, 21 F1)', async function () {
    this.timeout(30_000);
    await besideHangingHost(async (hanging, rp) => {
      const hang = `${hanging.base}/bc`;
      const mallory = await t.app.seed.user({ username: 'flooder' });
      const ids: string[] = [];
      for (let i = 0; i < 40; i++) ids.push((await t.app.seed.client({ owner: mallory, grantTypes: ['authorization_code'], redirectUris: ['https://client.example.com/cb'], allowedScopes: ['openid'], backchannelLogoutUri: hang })).client.clientId);
      t.app.backchannel.notify(ids, { sid: 'flood', userId: mallory.id });
      await new Promise((r) => setTimeout(r, 300));
      expect(hanging.held.size, 'connections the flood holds to its host').to.be.at.most(4);
      // The relying party on the flood's own host name (another port): turns are shared by owner, not by host, since
      // anyone may point their clients at another's host (attacker read 21, F1).
      const ms = await msUntilTold(rp, await t.app.seed.user({ username: 'told' }), 'victim', 15_000);
      expect(rp.tokens, 'the relying party was told').to.have.length(1);
      expect(ms, 'ms until it was told').to.be.below(1500);
    });
  });

  it('F1 (read 22) fetches anyone can cause at the relying party\'s host (sector documents of failed registrations) do not take its logout delivery\'s turns; a refusal by our own bound is recorded as busy', async function () {
    this.timeout(30_000);
    await besideHangingHost(async (hanging, rp) => {
      // Ten sector_identifier_uri fetches at the relying party's host name (another port that never answers): more than
      // OUTBOUND_PER_HOST. Anyone can cause them: each is a registration that fails validation.
      const sector = `${hanging.base}/sector.json`;
      const mallory = await t.app.seed.user({ username: 'sectorflood' });
      const floods = Array.from({ length: 10 }, () => t.app.seed.client({ owner: mallory, grantTypes: ['authorization_code'], redirectUris: ['https://mallory.example/cb'], allowedScopes: ['openid'], subjectType: 'pairwise', sectorIdentifierUri: sector }).catch(() => null));
      await new Promise((r) => setTimeout(r, 300));
      const ms = await msUntilTold(rp, await t.app.seed.user({ username: 'stilltold' }), 'victim', 4_000);
      expect(rp.tokens, 'the relying party was told at the first attempt').to.have.length(1);
      expect(ms).to.be.below(1500);
      await Promise.all(floods);
    });
  });

  it('F2/F5 (read 22) a hanging relying party takes one turn of its owner\'s, so its siblings are told at once; clients of the system owner (dynamic registration) each have their own', async function () {
    this.timeout(30_000);
    await besideHangingHost(async (hanging, rp) => {
      const owner = await t.app.seed.user({ username: 'siblings' });
      const slow = (await t.app.seed.client({ owner, grantTypes: ['authorization_code'], redirectUris: ['https://slow.example/cb'], allowedScopes: ['openid'], backchannelLogoutUri: `${hanging.base}/bc` })).client;
      for (let i = 0; i < 40; i++) t.app.backchannel.notify([slow.clientId], { sid: `s${i}`, userId: owner.id });
      await new Promise((r) => setTimeout(r, 300));
      expect(hanging.held.size, 'connections the slow relying party holds').to.be.at.most(1);
      const ms = await msUntilTold(rp, owner, 'sibling', 4_000);
      expect(rp.tokens, 'the sibling was told').to.have.length(1);
      expect(ms).to.be.below(1500);
    });
  });

  it('F1 (read 23) a delivery that waited for its turn carries a token signed when its turn came, not before the wait', async function () {
    this.timeout(30_000);
    await besideHangingHost(async (hanging, rp) => {
      // Eight owners with four hanging clients each hold all 32 turns for the outbound timeout (5 s).
      for (let o = 0; o < 8; o++) {
        const owner = await t.app.seed.user({ username: `holder${o}` });
        const ids: string[] = [];
        for (let i = 0; i < 4; i++) ids.push((await t.app.seed.client({ owner, grantTypes: ['authorization_code'], redirectUris: ['https://client.example.com/cb'], allowedScopes: ['openid'], backchannelLogoutUri: `${hanging.base}/bc${o}-${i}` })).client.clientId);
        t.app.backchannel.notify(ids, { sid: `hold${o}`, userId: owner.id });
      }
      await new Promise((r) => setTimeout(r, 300));
      expect(hanging.held.size, 'turns held').to.equal(32);
      const asked = Math.floor(Date.now() / 1000);
      await msUntilTold(rp, await t.app.seed.user({ username: 'waited' }), 'waited', 12_000);
      expect(rp.tokens).to.have.length(1);
      const { iat } = JSON.parse(Buffer.from(rp.tokens[0].split('.')[1], 'base64url').toString()) as { iat: number };
      expect(iat - asked, 'seconds between the logout and the token\'s iat').to.be.at.least(3);
    });
  });
});
