import { expect } from 'chai';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { Browser, createTestApp, type TestServer } from '../helpers.ts';
import { codeFlowSetup, codeFlowTokens, consentForm, pkcePair, postForm } from '../oauth-helpers.ts';

describe('OpenID Connect Core §3.1.2.1: prompt and max_age', () => {
  let t: TestServer;
  before(async () => { t = await createTestApp(); });
  after(() => t.close());

  const setup = () => codeFlowSetup(t, { allowedScopes: ['openid', 'read'] });
  const pkce = pkcePair();
  const request = (s: Awaited<ReturnType<typeof setup>>, extra: Record<string, string>) =>
    `/o/authorize/?${new URLSearchParams({ response_type: 'code', client_id: s.client.clientId, redirect_uri: 'https://client.example.com/cb', scope: 'openid', state: 'st', code_challenge: pkce.challenge, code_challenge_method: 'S256', ...extra })}`;
  /** The client's redirect (never a page), as a URL. */
  async function redirected(browser: Browser, path: string) {
    const res = await browser.get(path);
    expect(res.status).to.equal(302);
    return new URL(res.headers.get('location')!, t.url);
  }
  const authTimeOf = async (idToken: string) => {
    const jwks = createLocalJWKSet(await (await fetch(`${t.url}/.well-known/jwks.json`)).json() as JSONWebKeySet);
    return (await jwtVerify(idToken, jwks)).payload.auth_time as number;
  };

  it('§3.1.2.6: prompt=none without a session is login_required at the redirect URI, with state and iss', async () => {
    const s = await setup();
    const location = await redirected(new Browser(t.url), request(s, { prompt: 'none' }));
    expect(location.origin + location.pathname).to.equal('https://client.example.com/cb');
    expect(location.searchParams.get('error')).to.equal('login_required');
    expect(location.searchParams.get('state')).to.equal('st');
    expect(location.searchParams.get('iss')).to.equal(t.app.config.issuer);
  });

  it('§3.1.2.6: prompt=none is consent_required before consent, and a code once the user consented', async () => {
    const s = await setup();
    expect((await redirected(s.browser, request(s, { prompt: 'none' }))).searchParams.get('error')).to.equal('consent_required');
    await codeFlowTokens(t, s, { scope: 'openid' });
    const location = await redirected(s.browser, request(s, { prompt: 'none' }));
    expect(location.searchParams.get('error')).to.equal(null);
    expect(location.searchParams.get('code')).to.be.a('string');
  });

  it('§3.1.2.1: prompt=none with another value, or a max_age that is not a number, is invalid_request', async () => {
    const s = await setup();
    expect((await redirected(s.browser, request(s, { prompt: 'none login' }))).searchParams.get('error')).to.equal('invalid_request');
    expect((await redirected(s.browser, request(s, { max_age: '-1' }))).searchParams.get('error')).to.equal('invalid_request');
  });

  it('prompt=login asks for a fresh login (the session stays until it succeeds) that then completes the request, with a new auth_time', async () => {
    const s = await setup();
    const first = await codeFlowTokens(t, s, { scope: 'openid' });
    const firstAuth = await authTimeOf(first.id_token);
    await new Promise((r) => setTimeout(r, 1100)); // auth_time counts seconds

    const login = await redirected(s.browser, request(s, { prompt: 'login' }));
    expect(login.pathname).to.equal('/accounts/login/');
    const next = login.searchParams.get('next')!;
    expect(new URL(next, t.url).searchParams.has('prompt')).to.equal(false);
    // The login form is shown to the signed-in user (reauth); the session is not ended by a link.
    expect(login.searchParams.get('reauth')).to.equal('1');

    const loggedIn = await s.browser.login(s.user.username, s.user.password, next, login.pathname + login.search);
    const back = await redirected(s.browser, loggedIn.headers.get('location')!);
    const code = back.searchParams.get('code')!;
    const res = await postForm(`${t.url}/o/token/`, { grant_type: 'authorization_code', code, redirect_uri: 'https://client.example.com/cb', code_verifier: pkce.verifier }, s.auth);
    const { id_token } = await res.json() as { id_token: string };
    expect(await authTimeOf(id_token)).to.be.greaterThan(firstAuth);
  });

  it('max_age: a login older than max_age asks for a new one; a recent one proceeds, and prompt=none then says login_required', async () => {
    const s = await setup();
    await codeFlowTokens(t, s, { scope: 'openid' });
    const ok = await redirected(s.browser, request(s, { max_age: '3600' }));
    expect(ok.searchParams.get('code')).to.be.a('string');
    await new Promise((r) => setTimeout(r, 1100));
    expect((await redirected(s.browser, request(s, { max_age: '0', prompt: 'none' }))).searchParams.get('error')).to.equal('login_required');
    const login = await redirected(s.browser, request(s, { max_age: '0' }));
    expect(login.pathname).to.equal('/accounts/login/');
    // The request resumed after that login still asks (auth_time), and allows the login it just forced.
    expect(new URL(login.searchParams.get('next')!, t.url).searchParams.get('max_age')).to.equal('600');
  });

  /** Follows the login page's `next` after logging in there again; returns the consent form (or the redirect) it leads to. */
  async function loginAgain(browser: Browser, loginLocation: URL, s: Awaited<ReturnType<typeof setup>>) {
    expect(loginLocation.pathname).to.equal('/accounts/login/');
    const next = loginLocation.searchParams.get('next')!;
    const done = await browser.login(s.user.username, s.user.password, next, `${loginLocation.pathname}${loginLocation.search}`);
    expect(done.status).to.equal(302);
    return consentForm(browser, new URL(done.headers.get('location')!, t.url).searchParams);
  }

  /**
   * A fresh login, then the consent page of an OpenID request with this max_age, left open `waitMs`: the browser, the
   * request's parameters and verifier, and the form as shown.
   */
  async function consentLeftOpen(s: Awaited<ReturnType<typeof setup>>, maxAge: string, waitMs: number, extra: Record<string, string> = {}) {
    const fresh = new Browser(t.url);
    await fresh.login(s.user.username, s.user.password);
    const { challenge, verifier } = pkcePair();
    const params = { response_type: 'code', client_id: s.client.clientId, redirect_uri: 'https://client.example.com/cb', scope: 'openid', state: 'st', nonce: 'n', code_challenge: challenge, code_challenge_method: 'S256', max_age: maxAge, ...extra };
    const { res, fields } = await consentForm(fresh, params);
    expect(res.status, 'the consent page is shown').to.equal(200);
    await new Promise((r) => setTimeout(r, waitMs));
    return { fresh, params, verifier, fields: fields! };
  }

  it('max_age at the decision: a consent form posted after max_age has passed asks for a new login rather than issuing a code with an older auth_time (attacker read 25, F2)', async function () {
    this.timeout(15_000);
    const s = await setup();
    const { fresh, verifier, fields } = await consentLeftOpen(s, '2', 3100);
    const late = await fresh.post('/o/authorize/', { ...fields, allow: 'Authorize' });
    expect(late.status).to.equal(302);
    const login = new URL(late.headers.get('location')!, t.url);
    expect(login.pathname, 'no code for the client: a new login first').to.equal('/accounts/login/');
    const relogin = Math.floor(Date.now() / 1000);
    const again = await loginAgain(fresh, login, s);
    expect(again.fields, 'the consent page again, for the same request').to.not.equal(null);
    const post = await fresh.post('/o/authorize/', { ...again.fields!, allow: 'Authorize' });
    const code = new URL(post.headers.get('location')!).searchParams.get('code')!;
    const tokens = await (await postForm(`${t.url}/o/token/`, { grant_type: 'authorization_code', code, redirect_uri: 'https://client.example.com/cb', code_verifier: verifier }, s.auth)).json();
    expect(await authTimeOf(tokens.id_token)).to.be.at.least(relogin);
  });

  it('a request set aside for a login is usable only after a login: opened without one, it asks again — late consent POSTs, and PAR with prompt=login (attacker read 26, F1)', async function () {
    this.timeout(15_000);
    const s = await setup();
    const { fresh, params, fields } = await consentLeftOpen(s, '1', 2100);
    const late = await fresh.post('/o/authorize/', { ...fields, allow: 'Authorize' });
    const login = new URL(late.headers.get('location')!, t.url);
    expect(login.pathname).to.equal('/accounts/login/');
    // The set-aside request opened with the same old session, no login between: the login page again, no consent page.
    const skipped = await fresh.get(login.searchParams.get('next')!);
    expect(skipped.status).to.equal(302);
    expect(new URL(skipped.headers.get('location')!, t.url).pathname).to.equal('/accounts/login/');

    // PAR with prompt=login: the pushed request's copy set aside for the login does not skip it either.
    const pushed = await (await postForm(`${t.url}/o/par/`, { ...params, max_age: '3600', prompt: 'login' }, s.auth)).json();
    const first = await fresh.get(`/o/authorize/?${new URLSearchParams({ client_id: s.client.clientId, request_uri: pushed.request_uri })}`);
    const toLogin = new URL(first.headers.get('location')!, t.url);
    expect(toLogin.pathname).to.equal('/accounts/login/');
    const again = await fresh.get(toLogin.searchParams.get('next')!);
    expect(again.status).to.equal(302);
    const where = new URL(again.headers.get('location')!, t.url);
    expect(where.pathname, 'no code without the login prompt=login asked for').to.equal('/accounts/login/');
    expect(where.searchParams.get('code')).to.equal(null);
    // Logging in then lets it go on: the consent page (or a code: the grant exists) after the login.
    const done = await fresh.login(s.user.username, s.user.password, where.searchParams.get('next')!, `${where.pathname}${where.search}`);
    const resumed = await fresh.get(done.headers.get('location')!);
    expect([200, 302]).to.include(resumed.status);
    if (resumed.status === 302) expect(new URL(resumed.headers.get('location')!).searchParams.get('code')).to.be.a('string');
  });

  it('a late decision set aside for a login keeps its id_token_hint: another user\'s login does not answer it (attacker read 27, F1)', async function () {
    this.timeout(15_000);
    const s = await setup();
    const hint = (await codeFlowTokens(t, s, { scope: 'openid', nonce: 'n' })).id_token;
    const { fresh, fields } = await consentLeftOpen(s, '1', 2100, { prompt: 'consent', id_token_hint: hint });
    const late = await fresh.post('/o/authorize/', { ...fields, allow: 'Authorize' });
    const login = new URL(late.headers.get('location')!, t.url);
    expect(login.pathname).to.equal('/accounts/login/');
    const bob = await t.app.seed.user({ username: `bob${Math.random().toString(36).slice(2, 7)}` });
    const done = await fresh.login(bob.username, bob.password, login.searchParams.get('next')!, `${login.pathname}${login.search}`);
    const resumed = await fresh.get(done.headers.get('location')!);
    expect(resumed.status).to.equal(302);
    const where = new URL(resumed.headers.get('location')!, t.url);
    expect(where.searchParams.get('code'), 'no code for bob on a request naming another user').to.equal(null);
    expect(where.pathname).to.equal('/accounts/login/');
  });

  it('login_after is only ours: a client pushing it (PAR) does not skip the login its prompt=login or max_age asks for (attacker read 27, F2)', async function () {
    this.timeout(10_000);
    const s = await setup();
    await new Promise((r) => setTimeout(r, 2100));
    const { challenge } = pkcePair();
    for (const extra of [{ prompt: 'login' }, { max_age: '1' }] as Record<string, string>[]) {
      const pushed = await (await postForm(`${t.url}/o/par/`, { response_type: 'code', redirect_uri: 'https://client.example.com/cb', scope: 'openid', state: 'st', nonce: 'n', code_challenge: challenge, code_challenge_method: 'S256', login_after: '0', ...extra }, s.auth)).json();
      const res = await s.browser.get(`/o/authorize/?${new URLSearchParams({ client_id: s.client.clientId, request_uri: pushed.request_uri })}`);
      expect(res.status, JSON.stringify(extra)).to.equal(302);
      expect(new URL(res.headers.get('location')!, t.url).pathname, JSON.stringify(extra)).to.equal('/accounts/login/');
    }
  });

  it('a pushed request near the size limit still gets through the login it asks for (attacker read 27, F3)', async function () {
    this.timeout(20_000);
    const s = await setup();
    const { challenge } = pkcePair();
    let requestUri: string | undefined;
    for (let pad = 8000; pad > 7000 && !requestUri; pad -= 8) {
      const res = await postForm(`${t.url}/o/par/`, { response_type: 'code', redirect_uri: 'https://client.example.com/cb', scope: 'openid', state: 'x'.repeat(pad), nonce: 'n', code_challenge: challenge, code_challenge_method: 'S256', prompt: 'login' }, s.auth);
      if (res.status === 201) requestUri = ((await res.json()) as { request_uri: string }).request_uri;
    }
    expect(requestUri).to.be.a('string');
    const res = await s.browser.get(`/o/authorize/?${new URLSearchParams({ client_id: s.client.clientId, request_uri: requestUri! })}`);
    expect(res.status).to.equal(302);
    expect(new URL(res.headers.get('location')!, t.url).pathname).to.equal('/accounts/login/');
  });

  it('a late refusal is the client\'s access_denied, not a login (attacker read 26, F3)', async function () {
    this.timeout(10_000);
    const s = await setup();
    const { fresh, fields } = await consentLeftOpen(s, '1', 2100);
    const late = await fresh.post('/o/authorize/', { ...fields });
    const back = new URL(late.headers.get('location')!, t.url);
    expect(back.origin + back.pathname).to.equal('https://client.example.com/cb');
    expect(back.searchParams.get('error')).to.equal('access_denied');
  });

  it('a pairwise client that sent max_age still gets auth_time after the login it forced (the request resumed after that login keeps max_age, at least RESUMED_MAX_AGE_S)', async () => {
    const s = await codeFlowSetup(t, { allowedScopes: ['openid', 'read'], subjectType: 'pairwise' });
    const { challenge, verifier } = pkcePair();
    await new Promise((r) => setTimeout(r, 1100));
    const login = await redirected(s.browser, `/o/authorize/?${new URLSearchParams({ response_type: 'code', client_id: s.client.clientId, redirect_uri: 'https://client.example.com/cb', scope: 'openid', state: 'st', nonce: 'n', code_challenge: challenge, code_challenge_method: 'S256', max_age: '0' })}`);
    const { fields } = await loginAgain(s.browser, login, s);
    const post = await s.browser.post('/o/authorize/', { ...fields!, allow: 'Authorize' });
    const code = new URL(post.headers.get('location')!).searchParams.get('code')!;
    const tokens = await (await postForm(`${t.url}/o/token/`, { grant_type: 'authorization_code', code, redirect_uri: 'https://client.example.com/cb', code_verifier: verifier }, s.auth)).json();
    expect(await authTimeOf(tokens.id_token), JSON.stringify(tokens)).to.be.a('number');
  });

  it('Core §5.5.1: auth_time asked for with the claims parameter is in a pairwise client\'s ID Token, without listing it on the consent page or making prompt=none interaction_required', async () => {
    const s = await codeFlowSetup(t, { allowedScopes: ['openid', 'read'], subjectType: 'pairwise' });
    const claims = JSON.stringify({ id_token: { auth_time: { essential: true } } });
    const page = await s.browser.get(request(s, { claims, nonce: 'n' }));
    expect(page.status).to.equal(200);
    // Only the request's own hidden field names it; the list of what is shared does not.
    expect((await page.text()).replace(/<input[^>]*>/g, '')).to.not.include('auth_time');
    const tokens = await codeFlowTokens(t, s, { scope: 'openid', nonce: 'n', claims });
    expect(await authTimeOf(tokens.id_token), JSON.stringify(tokens)).to.be.a('number');
    const none = await redirected(s.browser, request(s, { claims, prompt: 'none' }));
    expect(none.searchParams.get('error')).to.equal(null);
    expect(none.searchParams.get('code')).to.be.a('string');
  });

  it('auth_time in the ID Token is the session\'s login time', async () => {
    const s = await setup();
    const before = Math.floor(Date.now() / 1000);
    const fresh = new Browser(t.url);
    await fresh.login(s.user.username, s.user.password);
    const body = await codeFlowTokens(t, { ...s, browser: fresh }, { scope: 'openid' });
    expect(await authTimeOf(body.id_token)).to.be.within(before, before + 2);
  });
});
