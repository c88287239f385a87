import { expect } from 'chai';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { Browser, createTestApp, type TestServer } from '../helpers.ts';
import { codeFlowSetup, codeFlowTokens, pkcePair } from '../oauth-helpers.ts';
import { updateProfile } from '../../src/accounts/users.ts';

describe('OpenID Connect Core §3.1.2.1 / §5.5: claims, login_hint, ui_locales, display, select_account', () => {
  let t: TestServer;
  before(async () => { t = await createTestApp(); });
  after(() => t.close());

  const pkce = pkcePair();
  const setup = async () => {
    const s = await codeFlowSetup(t, { allowedScopes: ['openid', 'profile', 'email', 'phone'] });
    await t.app.withContext(async () => updateProfile(t.app.stores.users, (await t.app.stores.users.findById(s.user.id))!, { phone_number: '+33612345678', given_name: 'Ada' }, false));
    return s;
  };
  const request = (s: { client: { clientId: string } }, extra: Record<string, string>) =>
    `/o/authorize/?${new URLSearchParams({ response_type: 'code', client_id: s.client.clientId, redirect_uri: 'https://client.example.com/cb', scope: 'openid', state: 'st', code_challenge: pkce.challenge, code_challenge_method: 'S256', ...extra })}`;
  const claimsParam = (c: unknown) => JSON.stringify(c);
  const redirected = async (browser: Browser, path: string) => {
    const res = await browser.get(path);
    expect(res.status).to.equal(302);
    return new URL(res.headers.get('location')!, t.url);
  };

  it('§5.5: invalid JSON, or a member that is not an object, is invalid_request at the redirect URI', async () => {
    const s = await setup();
    for (const bad of ['{not json', '[1]', '{"userinfo": 3}', '{"id_token": {"email": 5}}']) {
      const loc = await redirected(s.browser, request(s, { claims: bad }));
      expect(loc.searchParams.get('error'), bad).to.equal('invalid_request');
      expect(loc.searchParams.get('state')).to.equal('st');
    }
  });

  it('§5.5: claims asked for by name are listed on the consent page, then released at UserInfo and in the ID Token; essential and unknown claims are accepted', async () => {
    const s = await setup();
    const claims = claimsParam({ userinfo: { phone_number: { essential: true }, 'x-unknown': null }, id_token: { given_name: null, email: { essential: false } } });
    const page = await (await s.browser.get(request(s, { claims }))).text();
    const listed = [...page.matchAll(/data-claim="([^"]+)"/g)].map((m) => m[1]);
    expect(listed).to.have.members(['phone_number', 'given_name', 'email']);
    const tokens = await codeFlowTokens(t, s, { scope: 'openid', claims, nonce: 'n-1' });
    const userinfo = await (await fetch(`${t.url}/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).json();
    expect(userinfo).to.include({ sub: String(s.user.id), phone_number: '+33612345678' });
    const jwks = createLocalJWKSet(await (await fetch(`${t.url}/.well-known/jwks.json`)).json() as JSONWebKeySet);
    const { payload } = await jwtVerify(tokens.id_token, jwks);
    expect(payload.given_name).to.equal('Ada');
    expect(payload.nonce).to.equal('n-1');
    expect(payload).not.to.have.property('phone_number');
  });

  it('§3.1.2.6: prompt=none with consented scopes but new claims is interaction_required; once agreed, a code', async () => {
    const s = await setup();
    await codeFlowTokens(t, s, { scope: 'openid' });
    const claims = claimsParam({ userinfo: { phone_number: null } });
    expect((await redirected(s.browser, request(s, { prompt: 'none', claims }))).searchParams.get('error')).to.equal('interaction_required');
    await codeFlowTokens(t, s, { scope: 'openid', claims });
    expect((await redirected(s.browser, request(s, { prompt: 'none', claims }))).searchParams.get('code')).to.be.a('string');
    // Claims a consented scope already releases need no new consent.
    const byScope = claimsParam({ userinfo: { phone_number: null, given_name: null } });
    expect((await redirected(s.browser, request(s, { prompt: 'none', claims: byScope, scope: 'openid profile' }))).searchParams.get('error')).to.equal('consent_required');
  });

  it('login_hint prefills the login form, and ui_locales=fr shows the login and consent pages in French', async () => {
    const s = await setup();
    const anonymous = new Browser(t.url);
    const login = await anonymous.get(request(s, { login_hint: s.user.username, ui_locales: 'de fr-CA en' }));
    expect(login.status).to.equal(302);
    const page = await anonymous.get(login.headers.get('location')!, { 'accept-language': 'en' });
    expect(page.headers.get('content-language')).to.equal('fr');
    const html = await page.text();
    expect(html).to.match(/<html lang="fr"/);
    expect(/id="username"[^>]*value="([^"]*)"/.exec(html)?.[1]).to.equal(s.user.username);
    const consent = await s.browser.get(request(s, { ui_locales: 'fr' }), { 'accept-language': 'en' });
    expect(consent.status).to.equal(200);
    expect(consent.headers.get('content-language')).to.equal('fr');
    // Without ui_locales, Accept-Language decides as before.
    expect((await s.browser.get(request(s, {}), { 'accept-language': 'en' })).headers.get('content-language')).to.equal('en');
  });

  it('display: page, popup, touch and wap are accepted, an unknown value is ignored', async () => {
    const s = await setup();
    for (const display of ['page', 'popup', 'touch', 'wap', 'hologram']) expect((await s.browser.get(request(s, { display }))).status, display).to.equal(200);
  });

  it('prompt=select_account sends the user to log in, with their current account offered, without ending the session', async () => {
    const s = await setup();
    const res = await s.browser.get(request(s, { prompt: 'select_account' }));
    expect(res.status).to.equal(302);
    // Like prompt=login (test/security/oidc-attack.test.ts): the form is shown to the signed-in user, no logout by link.
    expect(new URL(res.headers.get('location')!, t.url).searchParams.get('reauth')).to.equal('1');
    const next = new URL(res.headers.get('location')!, t.url).searchParams.get('next')!;
    const back = new URL(next, t.url).searchParams;
    expect(back.get('login_hint')).to.equal(s.user.username);
    expect(back.get('prompt')).to.equal(null);
    const login = await (await s.browser.get(res.headers.get('location')!)).text();
    expect(/id="username"[^>]*value="([^"]*)"/.exec(login)?.[1]).to.equal(s.user.username);
    // Still signed in: the request without select_account proceeds to the consent page.
    expect((await s.browser.get(request(s, {}))).status).to.equal(200);
  });

  it('discovery: claims_parameter_supported, ui_locales_supported and display_values_supported', async () => {
    const d = await (await fetch(`${t.url}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
    expect(d.claims_parameter_supported).to.equal(true);
    expect(d.ui_locales_supported).to.deep.equal(['en', 'fr']);
    expect(d.display_values_supported).to.deep.equal(['page', 'popup', 'touch', 'wap']);
  });
});
