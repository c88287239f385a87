import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import { mkdirSync } from 'node:fs';
import { createHmac } from 'node:crypto';
import type { Browser as Chromium, Page } from 'playwright-core';
import OAuth from 'oauth-1.0a';
import { createTestApp, type TestServer } from '../helpers.ts';
import { documentsDuring, launchChromium, watchProblems } from '../chromium.ts';
import { pkcePair, postForm } from '../oauth-helpers.ts';
import { en } from '../../src/http/i18n/en.ts';
import { fr } from '../../src/http/i18n/fr.ts';

// A person in headless Chromium (Debian's package, never a downloaded browser): log in, register an
// application, copy its secret, deny then allow a consent, revoke it, and authorize an OAuth 1 consumer.
const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url).pathname;

describe('e2e: the pages in a real browser (headless Chromium)', function () {
  this.timeout(120_000);
  let srv: TestServer;
  let browser: Chromium;
  let page: Page;
  let callback: Server;
  let callbackUrl: string;
  let alice: Awaited<ReturnType<TestServer['app']['seed']['user']>>;
  const problems: string[] = [];
  /** Every request the test relying party (the callback server) received, front-channel logout frames included. */
  const callbackHits: string[] = [];

  before(async function () {
    mkdirSync(ARTIFACTS, { recursive: true });
    srv = await createTestApp();
    alice = await srv.app.seed.user({ username: 'alice', password: 'alice-password' });
    callback = createServer((req, res) => { callbackHits.push(req.url ?? ''); res.writeHead(200, { 'content-type': 'text/plain' }); res.end(`callback ${req.url}`); });
    await new Promise<void>((r) => callback.listen(0, '127.0.0.1', () => r()));
    callbackUrl = `http://127.0.0.1:${(callback.address() as { port: number }).port}/callback`;
    browser = await launchChromium();
    // Console errors include CSP violations ("Refused to ..."): the pages must produce none.
    page = watchProblems(await browser.newPage(), problems);
  });
  after(async () => { await browser?.close(); callback?.close(); await srv?.close(); });
  afterEach(() => { expect(problems, 'console errors or CSP violations').to.deep.equal([]); });

  const shoot = async (name: string) => {
    for (const width of [360, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      await page.screenshot({ path: `${ARTIFACTS}${name}-${width}.png`, fullPage: true });
    }
  };

  let clientId = '';
  let clientSecret = '';

  it('logs in with the labelled form', async () => {
    await page.goto(`${srv.url}/accounts/login/`);
    await shoot('login');
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill('alice-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${srv.url}/`);
    expect(await page.textContent('body')).to.include('Hello, alice');
  });

  it('edits the profile with the labelled form, in English and in French', async () => {
    await page.goto(`${srv.url}/accounts/profile/`);
    await page.getByLabel('full name').fill('Alice Liddell');
    await page.getByLabel('city').fill('Oxford');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(`${srv.url}/accounts/profile/`);
    expect(await page.getByLabel('city').inputValue()).to.equal('Oxford');
    await shoot('profile');
    await page.setExtraHTTPHeaders({ 'accept-language': 'fr' });
    await page.goto(`${srv.url}/accounts/profile/`);
    expect(await page.getByLabel('ville').inputValue()).to.equal('Oxford');
    await shoot('profile-fr');
    await page.setExtraHTTPHeaders({});
  });

  it('registers an application and copies its secret, shown once', async () => {
    await page.goto(`${srv.url}/o/applications/register/`);
    await page.getByLabel('Name').fill('Browser app');
    await page.getByLabel('Redirect URIs').fill(callbackUrl);
    await page.getByRole('button', { name: 'Register' }).click();
    await page.waitForURL(/\/o\/applications\/\d+\/$/);
    await shoot('application-detail');
    clientId = (await page.getByTestId('client-id').textContent())!.trim();
    clientSecret = await page.getByTestId('client-secret').inputValue();
    expect(clientSecret).to.have.length(64);
    await page.reload();
    expect(await page.getByTestId('client-secret').count()).to.equal(0);
  });

  it('runs the authorization-code flow through the consent page: Deny, then Allow', async () => {
    const { verifier, challenge } = pkcePair();
    const authorize = `${srv.url}/o/authorize/?${new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: callbackUrl, scope: 'read write', state: 's1', code_challenge: challenge, code_challenge_method: 'S256' })}`;
    await page.goto(authorize);
    await shoot('consent');
    expect(await page.textContent('main')).to.include('Browser app');
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.waitForURL(/\/callback\?/);
    expect(new URL(page.url()).searchParams.get('error')).to.equal('access_denied');
    await page.goto(authorize);
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(/\/callback\?/);
    const code = new URL(page.url()).searchParams.get('code')!;
    const res = await postForm(`${srv.url}/o/token/`, { grant_type: 'authorization_code', code, redirect_uri: callbackUrl, code_verifier: verifier }, { id: clientId, secret: clientSecret });
    expect(res.status).to.equal(200);
  });

  it('shows the application under authorized applications and revokes it', async () => {
    await page.goto(`${srv.url}/o/authorized_tokens/`);
    await shoot('authorized');
    expect(await page.getByTestId('grant').count()).to.equal(1);
    await page.getByRole('link', { name: 'Revoke' }).click();
    await page.getByRole('button', { name: 'Revoke' }).click();
    await page.waitForURL(`${srv.url}/o/authorized_tokens/`);
    expect(await page.getByTestId('grant').count()).to.equal(0);
  });

  it('authorizes an OAuth 1.0a consumer on its page', async () => {
    await page.goto(`${srv.url}/o/applications/register/`);
    await page.getByLabel('Name').fill('OAuth 1 app');
    await page.getByLabel('Redirect URIs').fill(callbackUrl);
    await page.getByLabel(/Enable OAuth 1.0a/).check();
    await page.getByRole('button', { name: 'Register' }).click();
    await page.waitForURL(/\/o\/applications\/\d+\/$/);
    const key = (await page.getByTestId('client-id').textContent())!.trim();
    const secret = await page.getByTestId('client-secret').inputValue();
    const o = new OAuth({ consumer: { key, secret }, signature_method: 'HMAC-SHA1', hash_function: (b, k) => createHmac('sha1', k).update(b).digest('base64') });
    const sign = (url: string, method: string, data: Record<string, string>, token?: OAuth.Token) => o.toHeader(o.authorize({ url, method, data }, token));
    const initiate = `${srv.url}/oauth1/initiate`;
    const temp = Object.fromEntries(new URLSearchParams(await (await fetch(initiate, { method: 'POST', headers: { ...sign(initiate, 'POST', { oauth_callback: callbackUrl }) } })).text()));
    await page.goto(`${srv.url}/oauth1/authorize?oauth_token=${encodeURIComponent(temp.oauth_token)}`);
    await shoot('oauth1-authorize');
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(/\/callback\?/);
    const verifier = new URL(page.url()).searchParams.get('oauth_verifier')!;
    const tokenUrl = `${srv.url}/oauth1/token`;
    const creds = Object.fromEntries(new URLSearchParams(await (await fetch(tokenUrl, { method: 'POST', headers: { ...sign(tokenUrl, 'POST', { oauth_verifier: verifier }, { key: temp.oauth_token, secret: temp.oauth_token_secret }) } })).text()));
    const userUrl = `${srv.url}/api/oauth1/user`;
    const me = await fetch(userUrl, { headers: { ...sign(userUrl, 'GET', {}, { key: creds.oauth_token, secret: creds.oauth_token_secret }) } });
    expect(await me.json()).to.deep.equal({ username: 'alice' });
  });

  it('drives the playground through code + PKCE, refresh, resource, introspect, revoke, client credentials and OAuth 1', async () => {
    await page.goto(`${srv.url}/o/applications/register/`);
    await page.getByLabel('Name').fill('Playground app');
    await page.getByLabel('Redirect URIs').fill(callbackUrl);
    await page.getByRole('checkbox', { name: /client credentials/ }).check();
    await page.getByLabel(/Enable OAuth 1.0a/).check();
    await page.getByRole('button', { name: 'Register' }).click();
    await page.waitForURL(/\/o\/applications\/\d+\/$/);
    const id = (await page.getByTestId('client-id').textContent())!.trim();
    const secret = await page.getByTestId('client-secret').inputValue();
    await page.goto(`${srv.url}/o/playground/`);
    await page.locator('details summary').click();
    await page.locator('#pg-register-app').selectOption({ label: 'Playground app' });
    await page.getByRole('button', { name: 'Add the playground callback' }).click();
    await page.waitForURL(/\/o\/playground\//);
    const last = () => page.locator('.pg-step').first();
    const statusOf = async () => last().getAttribute('data-status');
    await page.locator('#pg-app').selectOption(id);
    await page.locator('#pg-client-secret').fill(secret);
    await page.getByRole('button', { name: 'Authorization code + PKCE' }).click();
    await page.locator('#pg-open').click();
    await page.waitForLoadState();
    if (!(await page.getByRole('button', { name: 'Allow' }).count())) throw new Error(`no consent page: ${page.url()} ${await page.textContent('main')}`);
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(/\/o\/playground\/callback/);
    await page.locator('#pg-token-actions:not([hidden])').waitFor();
    expect(await statusOf()).to.equal('200');
    await shoot('playground');
    for (const name of ['Refresh', 'Call /api/hello', 'Introspect', 'Revoke']) {
      const before = await page.locator('.pg-step').count();
      await page.getByRole('button', { name }).click();
      await page.waitForFunction((n) => document.querySelectorAll('.pg-step').length > n, before);
      expect(await statusOf(), name).to.equal('200');
    }
    await page.goto(`${srv.url}/o/playground/`);
    await page.locator('#pg-app').selectOption(id);
    await page.locator('#pg-client-secret').fill(secret);
    await page.getByRole('button', { name: 'Client credentials' }).click();
    await page.locator('.pg-step[data-status]').first().waitFor();
    expect(await statusOf()).to.equal('200');
    await page.getByRole('button', { name: 'OAuth 1.0a three legs' }).click();
    await page.locator('#pg-open').waitFor();
    expect(await page.locator('.pg-step', { hasText: 'signature base string' }).count()).to.be.greaterThan(0);
    await page.locator('#pg-open').click();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(/\/o\/playground\/callback/);
    await page.locator('.pg-step[data-status]', { hasText: '4. Protected resource' }).waitFor();
    expect(await statusOf()).to.equal('200');
    expect(await last().textContent()).to.include('"username": "alice"');
  });

  it('runs the OpenID Connect code flow in the playground: ID Token decoded and checked, UserInfo answered', async () => {
    const { client, clientSecret } = await srv.app.seed.client({ owner: alice, name: 'OIDC RP', redirectUris: [`${srv.url}/o/playground/callback`], allowedScopes: ['openid', 'profile'] });
    await page.goto(`${srv.url}/o/playground/`);
    await page.locator('#pg-app').selectOption(client.clientId);
    await page.locator('#pg-client-secret').fill(clientSecret!);
    await page.locator('#pg-scope').fill('profile');
    await page.getByRole('button', { name: 'OpenID Connect (openid + nonce + PKCE)' }).click();
    const request = new URL((await page.locator('#pg-open').getAttribute('href'))!);
    expect(request.searchParams.get('scope')).to.equal('openid profile');
    expect(request.searchParams.get('nonce')).to.match(/^[\w-]{20,}$/);
    expect(request.searchParams.get('code_challenge_method')).to.equal('S256');
    await page.locator('#pg-open').click();
    await page.waitForLoadState();
    // openid and profile are new to this application: the consent page asks, naming the claims.
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(/\/o\/playground\/callback/);
    const idToken = page.locator('#pg-id-token');
    await idToken.waitFor();
    expect(await idToken.getAttribute('data-checks'), (await idToken.textContent())!).to.equal('ok');
    const shown = (await idToken.textContent())!;
    const claims = JSON.parse(/claims\n(\{[\s\S]*?\n\})/.exec(shown)![1]) as Record<string, unknown>;
    expect(claims.nonce).to.equal(request.searchParams.get('nonce'));
    expect(claims.aud).to.equal(client.clientId);
    expect(claims.iss).to.equal(srv.app.config.issuer);
    const userinfo = page.locator('.pg-step[data-status]', { hasText: 'UserInfo (OpenID Connect Core §5.3)' });
    await userinfo.waitFor();
    expect(await userinfo.getAttribute('data-status')).to.equal('200');
    const answer = JSON.parse(/--- response ---[\s\S]*?\n\n(\{[\s\S]*\})/.exec((await userinfo.textContent())!)![1]) as Record<string, unknown>;
    expect(answer.sub).to.equal(claims.sub);
    expect(answer.name).to.equal('Alice Liddell');
    expect(await page.locator('.pg-step', { hasText: 'UserInfo sub is the ID Token sub' }).count()).to.equal(1);
    // The button calls UserInfo again with the same access token, and checks sub again.
    await page.getByRole('button', { name: 'Call UserInfo' }).click();
    await page.locator('.pg-step', { hasText: 'UserInfo sub is the ID Token sub' }).nth(1).waitFor();
    expect(await userinfo.evaluateAll((els) => els.map((e) => e.getAttribute('data-status')))).to.deep.equal(['200', '200']);
    await shoot('playground-oidc');
  });

  /** Pixels the page is wider than the window (a horizontal scroll bar); 0 when it fits. */
  const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  /** English strings of the catalogue that French words differently, found in the page's text (none when translated). */
  const english = (text: string) => Object.entries(en).filter(([k, v]) => !v.includes('{') && v.length > 3 && v !== fr[k as keyof typeof fr] && text.includes(v)).map(([, v]) => v);

  it('the profile page fits 360 px in French, every string translated', async () => {
    await page.setViewportSize({ width: 360, height: 800 });
    await page.setExtraHTTPHeaders({ 'accept-language': 'fr' });
    try {
      await page.goto(`${srv.url}/accounts/profile/`);
      expect(await page.getAttribute('html', 'lang')).to.equal('fr');
      expect((await page.locator('h1').textContent())!.trim()).to.equal(fr['profile.title']);
      const labels = (await page.locator('main form label').allTextContents()).map((l) => l.trim());
      expect(labels.length).to.be.greaterThan(10);
      const claimNames = Object.entries(fr).filter(([k]) => k.startsWith('claim.')).map(([, v]) => v);
      expect(labels.filter((l) => !claimNames.includes(l)), 'labels that are not French claim names').to.deep.equal([]);
      expect(english(await page.locator('body').innerText())).to.deep.equal([]);
      expect(await overflow(), 'horizontal overflow at 360 px').to.equal(0);
      await page.screenshot({ path: `${ARTIFACTS}profile-fr-360-only.png`, fullPage: true });
    } finally {
      await page.setExtraHTTPHeaders({});
    }
  });

  it('the consent page with claims fits 360 px in French, every string translated', async () => {
    const owner = await srv.app.seed.user({ username: 'rp-owner' });
    const { client } = await srv.app.seed.client({ owner, name: 'Relying party with a rather long name', redirectUris: [callbackUrl], allowedScopes: ['openid', 'profile', 'email', 'address', 'phone'] });
    await page.setViewportSize({ width: 360, height: 800 });
    const { challenge } = pkcePair();
    // ui_locales (Core §3.1.2.1) chooses French for the pages of this request, whatever the browser says.
    await page.goto(`${srv.url}/o/authorize/?${new URLSearchParams({
      response_type: 'code', client_id: client.clientId, redirect_uri: callbackUrl, scope: 'openid profile email address', nonce: 'n-360', ui_locales: 'fr',
      code_challenge: challenge, code_challenge_method: 'S256', claims: JSON.stringify({ userinfo: { phone_number: null } }),
    })}`);
    expect(await page.getAttribute('html', 'lang')).to.equal('fr');
    expect((await page.locator('h1').textContent())!.trim()).to.equal(fr['consent.title'].replace('{client}', client.name));
    const shares = await page.locator('.claims[data-claims]').evaluateAll((els) => els.map((e) => [e.getAttribute('data-claims'), e.textContent]));
    expect(shares.length).to.equal(3);
    for (const [names, text] of shares) {
      expect(text).to.equal(fr['consent.shares'].replace('{claims}', names!.split(' ').map((c) => fr[`claim.${c}` as keyof typeof fr]).join(', ')));
    }
    // phone_number, asked for by name outside the scopes (Core §5.5), is listed on its own.
    expect(await page.locator('li[data-claim="phone_number"]').textContent()).to.equal(fr['claim.phone_number']);
    expect(await page.getByRole('button', { name: fr['consent.allow'] }).count()).to.equal(1);
    expect(await page.getByRole('button', { name: fr['consent.deny'] }).count()).to.equal(1);
    expect(english(await page.locator('body').innerText())).to.deep.equal([]);
    expect(await overflow(), 'horizontal overflow at 360 px').to.equal(0);
    await page.screenshot({ path: `${ARTIFACTS}consent-claims-fr-360.png`, fullPage: true });
    await page.getByRole('button', { name: fr['consent.deny'] }).click();
    await page.waitForURL(/error=access_denied/);
  });

  it('is keyboard-usable: the skip link and form fields take focus in order', async () => {
    await page.goto(`${srv.url}/o/applications/register/`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).to.equal('Skip to content');
  });

  /** A second person at the same computer: a fresh browser context (no cookies), watched for console errors like the first. */
  async function freshPage(): Promise<Page> {
    return watchProblems(await (await browser.newContext()).newPage(), problems);
  }

  const noHorizontalOverflow = (p: Page) => p.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

  it('OpenID Connect prompt=none: without a session, login_required at the redirect URI with no page shown; with one, a code', async () => {
    const { client } = await srv.app.seed.client({ owner: alice, name: 'Silent RP', grantTypes: ['authorization_code'], redirectUris: [callbackUrl], allowedScopes: ['openid'] });
    const silent = () => `${srv.url}/o/authorize/?${new URLSearchParams({ response_type: 'code', client_id: client.clientId, redirect_uri: callbackUrl, scope: 'openid', state: 'quiet', nonce: 'n', prompt: 'none', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' })}`;
    const stranger = await freshPage();
    try {
      const docs = await documentsDuring(stranger, () => stranger.goto(silent()));
      const back = new URL(stranger.url());
      expect(back.origin + back.pathname).to.equal(callbackUrl);
      expect(Object.fromEntries(back.searchParams)).to.include({ error: 'login_required', state: 'quiet' });
      // Core §3.1.2.1: no page of ours was shown: one redirect, then the relying party's own page.
      expect(docs.map(([status, url]) => [status, url.startsWith(srv.url)])).to.deep.equal([[302, true], [200, false]]);
    } finally { await stranger.context().close(); }

    // alice is signed in (first test); she consents once, after which prompt=none answers with a code, silently.
    await page.goto(silent().replace('prompt=none', 'prompt=consent'));
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(/\/callback\?/);
    const docs = await documentsDuring(page, () => page.goto(silent()));
    expect(new URL(page.url()).searchParams.get('code')).to.be.a('string');
    expect(new URL(page.url()).searchParams.get('error')).to.equal(null);
    expect(docs.map(([status, url]) => [status, url.startsWith(srv.url)])).to.deep.equal([[302, true], [200, false]]);
  });

  it('the logout confirmation page at 360 px in French, then the signed-out page framing the relying party (Front-Channel Logout)', async () => {
    const bob = await srv.app.seed.user({ username: 'bob', password: 'bob-password' });
    const rpOrigin = new URL(callbackUrl).origin;
    const { client } = await srv.app.seed.client({ owner: bob, name: 'Framed RP', grantTypes: ['authorization_code'], redirectUris: [callbackUrl], allowedScopes: ['openid'], frontchannelLogoutUri: `${rpOrigin}/fc`, frontchannelLogoutSessionRequired: true });
    const p = await freshPage();
    try {
      await p.setExtraHTTPHeaders({ 'accept-language': 'fr' });
      await p.setViewportSize({ width: 360, height: 800 });
      await p.goto(`${srv.url}/accounts/login/`);
      await p.getByLabel("Nom d'utilisateur").fill('bob');
      await p.getByLabel('Mot de passe').fill('bob-password');
      await p.getByRole('button', { name: 'Se connecter' }).click();
      await p.waitForURL(`${srv.url}/`);
      await p.goto(`${srv.url}/o/authorize/?${new URLSearchParams({ response_type: 'code', client_id: client.clientId, redirect_uri: callbackUrl, scope: 'openid', nonce: 'n', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' })}`);
      await p.getByRole('button', { name: 'Autoriser' }).click();
      await p.waitForURL(/\/callback\?/);

      await p.goto(`${srv.url}/o/logout/`);
      expect(await p.getAttribute('html', 'lang')).to.equal('fr');
      expect(await p.getByRole('heading', { level: 1 }).textContent()).to.equal('Déconnexion');
      expect(await noHorizontalOverflow(p), 'confirmation page wider than 360 px').to.equal(true);
      await p.screenshot({ path: `${ARTIFACTS}end-session-fr-360.png`, fullPage: true });
      await p.setViewportSize({ width: 1280, height: 900 });
      await p.screenshot({ path: `${ARTIFACTS}end-session-fr-1280.png`, fullPage: true });
      await p.setViewportSize({ width: 360, height: 800 });

      const framed = new Promise<void>((resolve) => { const t = setInterval(() => { if (callbackHits.some((u) => u.startsWith('/fc?'))) { clearInterval(t); resolve(); } }, 20); });
      await p.locator('main').getByRole('button', { name: 'Se déconnecter', exact: true }).click();
      await p.getByRole('heading', { name: 'Vous êtes déconnecté.' }).waitFor();
      await framed;
      const hit = new URL(callbackHits.find((u) => u.startsWith('/fc?'))!, rpOrigin);
      expect(hit.searchParams.get('iss')).to.equal(srv.app.config.issuer);
      expect(hit.searchParams.get('sid')).to.be.a('string');
      expect(await noHorizontalOverflow(p), 'signed-out page wider than 360 px').to.equal(true);
      // The signed-out page no longer offers bob a way out: he is out.
      expect(await p.locator('header').getByRole('button').count()).to.equal(0);
      await p.screenshot({ path: `${ARTIFACTS}signed-out-fr-360.png`, fullPage: true });
    } finally { await p.context().close(); }
  });
});
