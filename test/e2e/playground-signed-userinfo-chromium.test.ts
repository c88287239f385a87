import { expect } from 'chai';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { Browser as Chromium, Page } from 'playwright-core';
import { createTestApp, type TestServer } from '../helpers.ts';
import { launchChromium, logInThroughForm, watchProblems } from '../chromium.ts';
import { en } from '../../src/http/i18n/en.ts';
import { fr } from '../../src/http/i18n/fr.ts';

// The playground's signed UserInfo step (OpenID Connect Core §5.3.2) in headless Chromium, English and French, at
// 360 px: a client that registered userinfo_signed_response_alg gets application/jwt, which the page decodes and
// verifies against the JWKS like the ID Token; a client that did not gets JSON and is told why. No console error
// or CSP violation (the page's script is a module importing playground-jwt.js under the nonce). The log is in the
// page's language (pg.js.* words).
describe('e2e: the playground shows signed UserInfo decoded and verified (issue 19)', function () {
  this.timeout(120_000);
  let srv: TestServer;
  let browser: Chromium;
  let alice: Awaited<ReturnType<TestServer['app']['seed']['user']>>;
  const problems: string[] = [];

  before(async () => {
    srv = await createTestApp({ playground: true });
    alice = await srv.app.seed.user({ username: 'alice', password: 'alice-password', email: 'alice@example.com' });
    browser = await launchChromium();
  });
  after(async () => { await browser?.close(); await srv?.close(); });
  afterEach(() => { expect(problems, 'console errors or CSP violations').to.deep.equal([]); problems.length = 0; });

  /** Logs in at 360 px and runs the playground's OpenID Connect flow for `clientId` back to the callback page. */
  async function oidcFlow(lang: 'en' | 'fr', clientId: string, secret: string): Promise<Page> {
    const context = await browser.newContext({ locale: lang, extraHTTPHeaders: { 'accept-language': lang }, viewport: { width: 360, height: 800 } });
    const page = watchProblems(await context.newPage(), problems);
    await logInThroughForm(page, srv.url, 'alice', 'alice-password');
    await page.goto(`${srv.url}/o/playground/`);
    await page.locator('#pg-app').selectOption(clientId);
    await page.locator('#pg-client-secret').fill(secret);
    await page.locator('#pg-scope').fill('email');
    await page.locator('#pg-oidc').click();
    await page.locator('#pg-open').click();
    await page.locator('button[name=allow]').click();
    await page.waitForURL(/\/o\/playground\/callback/);
    await page.locator('#pg-id-token').waitFor();
    return page;
  }
  /** The JSON printed after `label` in a step's text (the claims of a decoded JWT). */
  const printed = (text: string, label: string) => JSON.parse(new RegExp(`${label}\\n(\\{[\\s\\S]*?\\n\\})`).exec(text)![1]) as Record<string, unknown>;
  const fitsWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);

  for (const lang of ['en', 'fr'] as const) {
    const t = lang === 'en' ? en : fr;

    it(`decodes the application/jwt UserInfo, verifies it with the JWKS and shows the checks (${lang})`, async () => {
      const { client, clientSecret } = await srv.app.seed.client({ owner: alice, name: `Signed ${lang}`, redirectUris: [`${srv.url}/o/playground/callback`], allowedScopes: ['openid', 'email'], userinfoSignedResponseAlg: 'ES256' });
      const page = await oidcFlow(lang, client.clientId, clientSecret!);
      const idClaims = printed((await page.locator('#pg-id-token').textContent())!, 'claims');
      // The flow's own UserInfo call already answered a JWT: decoded, every check ok.
      const decoded = page.locator('#pg-userinfo-decoded');
      await decoded.waitFor();
      expect(await decoded.getAttribute('data-checks'), (await decoded.textContent())!).to.equal('ok');
      // The button, labelled in the page's language, asks again for the signed form.
      const button = page.getByRole('button', { name: t['pg.userinfoJwt'] });
      expect(await button.isVisible()).to.equal(true);
      expect(await page.locator('#pg-userinfo-jwt-hint').textContent()).to.equal(t['pg.userinfoJwtHint']);
      const asked = page.locator('.pg-step[data-status]', { hasText: t['pg.js.userinfoSigned'] });
      await button.click();
      await asked.waitFor();
      await page.locator('.pg-step', { hasText: t['pg.js.userinfoDecoded'] }).nth(1).waitFor();
      const request = (await asked.textContent())!;
      expect(request).to.include('Accept: application/jwt');
      expect(request).to.include('content-type: application/jwt');
      const shown = (await decoded.textContent())!;
      expect(await decoded.getAttribute('data-checks')).to.equal('ok');
      expect(printed(shown, 'header')).to.include({ alg: 'ES256' });
      expect(shown).to.match(new RegExp(`ok {3}${t['pg.js.signatureOk'].replace(/[()]/g, '\\$&').replace('{alg}', 'ES256').replace('{kid}', '[^)]+')}`));
      expect(shown).to.include(`ok   ${t['pg.js.subIsIdTokenSub']}`);
      // What the page shows is what the server signed: the JWT in the transcript, verified here with jose.
      const jwt = /\n\n([\w-]+\.[\w-]+\.[\w-]+)\s*$/.exec(request)![1];
      const { payload } = await jwtVerify(jwt, createRemoteJWKSet(new URL(`${srv.url}/.well-known/jwks.json`)), { issuer: srv.app.config.issuer, audience: client.clientId, algorithms: ['ES256'] });
      expect(printed(shown, 'claims')).to.deep.equal(payload);
      expect(payload).to.include({ sub: idClaims.sub, email: 'alice@example.com', iss: srv.app.config.issuer, aud: client.clientId });
      expect(await fitsWidth(page), 'no horizontal scroll at 360 px').to.equal(true);
      await page.context().close();
    });

    it(`says a client without userinfo_signed_response_alg got JSON, and shows no decoded JWT (${lang})`, async () => {
      const { client, clientSecret } = await srv.app.seed.client({ owner: alice, name: `Plain ${lang}`, redirectUris: [`${srv.url}/o/playground/callback`], allowedScopes: ['openid', 'email'] });
      const page = await oidcFlow(lang, client.clientId, clientSecret!);
      await page.locator('.pg-step', { hasText: t['pg.js.userinfoSubSame'] }).waitFor();
      await page.getByRole('button', { name: t['pg.userinfoJwt'] }).click();
      await page.locator('.pg-step', { hasText: t['pg.js.userinfoJson'] }).waitFor();
      expect(await page.locator('#pg-userinfo-decoded').count()).to.equal(0);
      expect(await fitsWidth(page), 'no horizontal scroll at 360 px').to.equal(true);
      await page.context().close();
    });
  }
});
