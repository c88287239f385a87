import { expect } from 'chai';
import type { Browser as Chromium, BrowserContext, Page } from 'playwright-core';
import { createTestApp, type TestServer } from '../helpers.ts';
import { launchChromium, logInThroughForm, sticksOut, watchProblems } from '../chromium.ts';
import { en } from '../../src/http/i18n/en.ts';
import { fr } from '../../src/http/i18n/fr.ts';

// What a new user hit (issue 21), in headless Chromium: the secret's copy button, the playground keeping what was
// typed across "Add the playground callback", fitting a 360 px phone, and forgetting tokens once revoked. English
// and French; the pages make no console error or CSP violation.
describe('e2e: new-user fixes in a real browser (issue 21)', function () {
  this.timeout(120_000);
  let srv: TestServer;
  let browser: Chromium;
  let alice: Awaited<ReturnType<TestServer['app']['seed']['user']>>;
  const problems: string[] = [];

  before(async () => {
    srv = await createTestApp();
    alice = await srv.app.seed.user({ username: 'alice', password: 'alice-password' });
    browser = await launchChromium();
  });
  after(async () => { await browser?.close(); await srv?.close(); });
  afterEach(() => { expect(problems, 'console errors or CSP violations').to.deep.equal([]); problems.length = 0; });

  /**
   * English strings of the catalogue that French words differently, found in a French page's text (none when
   * translated). Words under six letters ("Type", "Code") are also French or technical, so only longer ones count;
   * the playground's log is a transcript of HTTP requests, not page text, and is left out.
   */
  const english = (text: string) => Object.entries(en).filter(([k, v]) => !v.includes('{') && v.length > 5 && v !== fr[k as keyof typeof fr] && text.includes(v)).map(([, v]) => v);
  const allFrench = async (page: Page, lang: string) => {
    if (lang !== 'fr') return;
    const text = await page.evaluate(() => { const b = document.body.cloneNode(true) as HTMLElement; b.querySelector('#pg-log')?.remove(); return b.innerText ?? b.textContent ?? ''; });
    expect(english(text)).to.deep.equal([]);
  };

  async function loggedIn(lang: 'en' | 'fr'): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ locale: lang, extraHTTPHeaders: { 'accept-language': lang } });
    // The copy button writes the clipboard: granted as a person's click would be on a trusted origin.
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: srv.url });
    const page = watchProblems(await context.newPage(), problems);
    await logInThroughForm(page, srv.url, 'alice', 'alice-password');
    return { context, page };
  }

  for (const lang of ['en', 'fr'] as const) {
    const t = lang === 'en' ? en : fr;

    it(`shows the new secret in a monospace box with a working copy button (${lang})`, async () => {
      const { context, page } = await loggedIn(lang);
      await page.goto(`${srv.url}/o/applications/register/`);
      await page.locator('#name').fill(`Secret box ${lang}`);
      await page.locator('#redirect_uris').fill('https://client.example.com/cb');
      await page.locator('form button[type=submit]').last().click();
      await page.waitForURL(/\/o\/applications\/\d+\/$/);
      const box = page.getByTestId('client-secret');
      const secret = await box.inputValue();
      expect(secret).to.have.length(64);
      expect(await box.evaluate((e) => getComputedStyle(e).fontFamily)).to.match(/monospace/);
      await page.getByRole('button', { name: t['apps.copy'] }).click();
      await page.waitForFunction((text) => document.getElementById('copy-status')?.textContent === text, t['apps.copied']);
      expect(await page.evaluate(() => navigator.clipboard.readText())).to.equal(secret);
      await allFrench(page, lang);
      await context.close();
    });

    it(`the playground keeps its form values after "Add the playground callback" (${lang})`, async () => {
      const { client, clientSecret } = await srv.app.seed.client({ owner: alice, name: `Keep ${lang}`, redirectUris: ['https://client.example.com/cb'], allowedScopes: ['read', 'write'] });
      const { context, page } = await loggedIn(lang);
      await page.goto(`${srv.url}/o/playground/`);
      await page.locator('#pg-app').selectOption(client.clientId);
      await page.locator('#pg-client-secret').fill(clientSecret!);
      await page.locator('#pg-scope').fill('read write');
      await page.locator('details summary').click();
      expect(await page.locator('#pg-register-app').inputValue(), 'the callback form follows the application picked').to.equal(String(client.id));
      await page.getByRole('button', { name: t['pg.addCallback'] }).click();
      await page.waitForURL(/\/o\/playground\/\?app=/).catch(async (e) => { throw new Error(`${page.url()} ${await page.textContent('main')} ${e}`); });
      expect(await page.locator('#pg-app').inputValue()).to.equal(client.clientId);
      expect(await page.locator('#pg-client-id').inputValue()).to.equal(client.clientId);
      expect(await page.locator('#pg-client-secret').inputValue()).to.equal(clientSecret);
      expect(await page.locator('#pg-scope').inputValue()).to.equal('read write');
      // The flash naming the new redirect URI is in the page's language too.
      expect(await page.locator('.flash').textContent()).to.include(lang === 'fr' ? 'est maintenant une URI de redirection' : 'is now a redirect URI');
      await allFrench(page, lang);
      // Put back once: a later visit starts empty.
      await page.reload();
      expect(await page.locator('#pg-client-secret').inputValue()).to.equal('');
      await context.close();
    });

    it(`the playground fits 360 px without horizontal scroll and forgets tokens after a revoke (${lang})`, async () => {
      const { client, clientSecret } = await srv.app.seed.client({ owner: alice, name: `A rather long application name for a narrow phone screen ${lang}`, grantTypes: ['authorization_code', 'client_credentials'], redirectUris: ['https://client.example.com/cb'], allowedScopes: ['read', 'write'] });
      const { context, page } = await loggedIn(lang);
      await page.setViewportSize({ width: 360, height: 800 });
      await page.goto(`${srv.url}/o/playground/`);
      await page.locator('details summary').click();
      await page.locator('#pg-app').selectOption(client.clientId);
      await page.locator('#pg-client-secret').fill(clientSecret!);
      await page.locator('#pg-code').click();
      await page.locator('#pg-open').waitFor();
      expect(await sticksOut(page), 'no horizontal scroll at 360 px').to.deep.equal([]);
      await page.locator('#pg-cc').click();
      await page.locator('#pg-token-actions:not([hidden])').waitFor();
      const before = await page.locator('.pg-step').count();
      await page.locator('#pg-revoke').click();
      await page.waitForFunction((n) => document.querySelectorAll('.pg-step').length > n, before);
      expect(await page.locator('.pg-step').first().getAttribute('data-status')).to.equal('200');
      expect(await page.locator('#pg-token-actions').isHidden()).to.equal(true);
      expect(await page.locator('#pg-current').textContent()).to.equal('');
      await allFrench(page, lang);
      expect(await page.evaluate(() => JSON.parse(sessionStorage.getItem('gatehouse-playground') || '{}').tokens ?? null)).to.equal(null);
      await context.close();
    });
  }
});
