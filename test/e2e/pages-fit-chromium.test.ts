import { expect } from 'chai';
import type { Browser as Chromium, BrowserContext, Page } from 'playwright-core';
import { createTestApp, type TestServer } from '../helpers.ts';
import { launchChromium, logInThroughForm, sticksOut, watchProblems } from '../chromium.ts';
import { postForm } from '../oauth-helpers.ts';
import { en } from '../../src/http/i18n/en.ts';
import { fr } from '../../src/http/i18n/fr.ts';

// What a fresh-eyes run in Chromium found on the pages (fresh eyes 11), English and French: buttons meant to be
// hidden that showed, stacked table cells without their column's name at 360 px, a long application name making a
// phone scroll sideways, an admin form's error shown far from the form, and English left on French pages. The pages
// make no console error or CSP violation.
const LONG = 'Supercalifragilisticexpialidocious-Application-Name-Without-Spaces-Anywhere';

describe('e2e: pages fit a phone and speak the page\'s language (fresh eyes 11)', function () {
  this.timeout(120_000);
  let srv: TestServer;
  let browser: Chromium;
  let alice: Awaited<ReturnType<TestServer['app']['seed']['user']>>;
  let long: Awaited<ReturnType<TestServer['app']['seed']['client']>>;
  const problems: string[] = [];

  before(async () => {
    srv = await createTestApp({ playground: true });
    await srv.app.seed.user({ username: 'root', password: 'root-password', isAdmin: true });
    alice = await srv.app.seed.user({ username: 'alice', password: 'alice-password', email: 'alice@example.com' });
    long = await srv.app.seed.client({ owner: alice, name: LONG, grantTypes: ['authorization_code', 'password'], redirectUris: ['https://rp.example/cb'], allowedScopes: ['read', 'write'] });
    // A grant of alice's for the long-named client: the authorized-applications and admin tokens tables have a row.
    const token = await postForm(`${srv.url}/o/token/`, { grant_type: 'password', username: 'alice', password: 'alice-password', scope: 'read' }, { id: long.client.clientId, secret: long.clientSecret! });
    expect(token.status).to.equal(200);
    browser = await launchChromium();
  });
  after(async () => { await browser?.close(); await srv?.close(); });
  afterEach(() => { expect(problems, 'console errors or CSP violations').to.deep.equal([]); problems.length = 0; });

  async function as(username: string, lang: 'en' | 'fr', width = 1280): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ locale: lang, extraHTTPHeaders: { 'accept-language': lang }, viewport: { width, height: 800 } });
    const page = watchProblems(await context.newPage(), problems);
    await logInThroughForm(page, srv.url, username, `${username}-password`);
    return { context, page };
  }
  /**
   * Every data cell of the page's tables, as [its column's header text, the label the stacked cell shows]: at 360 px
   * the headers are hidden, so each cell must say which column it is. Cells spanning the row ("Nothing found.") are left out.
   */
  const cellLabels = (page: Page, selector: string) => page.evaluate((sel) => [...document.querySelectorAll<HTMLTableElement>(sel)].flatMap((table) => {
    const heads = [...table.tHead!.rows[0].cells].map((th) => th.textContent!.trim());
    return [...table.tBodies[0].rows].flatMap((tr) => [...tr.cells].filter((td) => td.colSpan === 1).map((td) => {
      const before = getComputedStyle(td, '::before');
      return [heads[td.cellIndex], before.display === 'none' ? '' : before.content.replace(/^"|"$/g, '')];
    }));
  }), selector);
  const admin = async (page: Page, path: string) => { await page.goto(`${srv.url}${path}`); await page.waitForSelector('#admin[data-ready=true]'); };

  for (const lang of ['en', 'fr'] as const) {
    const t = lang === 'en' ? en : fr;

    it(`playground: after a plain code flow (no openid) the UserInfo buttons stay hidden, and the log is in the page's language (${lang})`, async () => {
      const { client, clientSecret } = await srv.app.seed.client({ owner: alice, name: `Plain code ${lang}`, redirectUris: [`${srv.url}/o/playground/callback`], allowedScopes: ['read'] });
      const { context, page } = await as('alice', lang, 360);
      await page.goto(`${srv.url}/o/playground/`);
      expect(await page.title()).to.include(t['pg.title']);
      await page.locator('#pg-app').selectOption(client.clientId);
      expect(await page.locator('#pg-app option:checked').textContent()).to.include(t['apps.clientType.confidential']);
      await page.locator('#pg-client-secret').fill(clientSecret!);
      await page.locator('#pg-code').click();
      expect(await page.locator('.pg-step h3').first().textContent()).to.equal(t['pg.js.codeRequest']);
      expect(await page.locator('#pg-open').textContent()).to.equal(t['pg.js.openConsent']);
      await page.locator('#pg-open').click();
      await page.locator('button[name=allow]').click();
      await page.waitForURL(/\/o\/playground\/callback/);
      await page.locator('#pg-token-actions:not([hidden])').waitFor();
      expect(await page.locator('.pg-step h3').first().textContent()).to.equal(`${t['pg.js.codeExchange']} → 200`);
      expect(await page.locator('.pg-step pre').first().textContent()).to.include(t['pg.js.response']);
      for (const id of ['#pg-userinfo', '#pg-userinfo-jwt', '#pg-userinfo-jwt-hint']) expect(await page.locator(id).isHidden(), id).to.equal(true);
      expect(await page.locator('#pg-hello').isVisible()).to.equal(true);
      await page.locator('#pg-revoke').click();
      await page.locator('.pg-step h3', { hasText: `${t['pg.js.revocation']} → 200` }).waitFor();
      expect(await page.locator('#pg-token-actions').isHidden()).to.equal(true);
      expect(await sticksOut(page)).to.deep.equal([]);
      await context.close();
    });

    it(`every stacked table cell at 360 px names its column: authorized applications and the admin tables (${lang})`, async () => {
      const { context, page } = await as('alice', lang, 360);
      await page.goto(`${srv.url}/o/authorized_tokens/`);
      const mine = await cellLabels(page, 'table');
      expect(mine).to.have.length.at.least(4);
      // The actions column's header is for screen readers only; its cell holds a button that says what it does.
      for (const [head, label] of mine) if (head !== t['authorized.actions']) expect(label, head).to.equal(head);
      await page.goto(`${srv.url}/o/applications/`);
      for (const [head, label] of await cellLabels(page, 'table')) expect(label, head).to.equal(head);
      expect(await sticksOut(page)).to.deep.equal([]);
      await context.close();

      const root = await as('root', lang, 360);
      for (const [path, tables] of [['/admin/users/', '#user-table'], ['/admin/applications/', '#client-table'], ['/admin/tokens/', '#grant-table, #token-table'], ['/admin/events/', '#event-table']] as const) {
        await admin(root.page, path);
        const cells = await cellLabels(root.page, tables);
        expect(cells, path).to.have.length.at.least(4);
        for (const [head, label] of cells) expect(label, `${path} ${head}`).to.equal(head);
      }
      await root.page.goto(`${srv.url}/admin/`);
      await root.context.close();
    });

    it(`a long application name wraps at 360 px: consent, application page, admin application (${lang})`, async () => {
      const { context, page } = await as('alice', lang, 360);
      await page.goto(`${srv.url}/o/authorize/?${new URLSearchParams({ response_type: 'code', client_id: long.client.clientId, redirect_uri: 'https://rp.example/cb', scope: 'read', state: 's', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' })}`);
      expect(await page.getByTestId('consent-title').textContent()).to.include(LONG);
      expect(await sticksOut(page), 'consent').to.deep.equal([]);
      await page.goto(`${srv.url}/o/applications/${long.client.id}/`);
      expect(await page.locator('h1').textContent()).to.equal(LONG);
      expect(await page.locator('dl').textContent()).to.include(t['apps.clientType.confidential']);
      expect(await sticksOut(page), 'application page').to.deep.equal([]);
      for (const path of ['/o/applications/', '/o/authorized_tokens/']) {
        await page.goto(`${srv.url}${path}`);
        expect(await sticksOut(page), path).to.deep.equal([]);
      }
      await context.close();
      const root = await as('root', lang, 360);
      await admin(root.page, '/admin/applications/');
      const row = root.page.locator(`#client-table tr[data-client="${long.client.clientId}"]`);
      expect(await row.locator('td').nth(3).textContent()).to.equal(t['admin.js.confidential']);
      await row.getByRole('button').click();
      await root.page.locator('#client-detail:not([hidden])').waitFor();
      expect(await sticksOut(root.page), 'admin application').to.deep.equal([]);
      await admin(root.page, '/admin/tokens/');
      expect(await sticksOut(root.page), 'admin tokens').to.deep.equal([]);
      await root.context.close();
    });

    it(`admin users on a phone: the create-user error shows next to the form, in the page's language (${lang})`, async () => {
      const { context, page } = await as('root', lang, 360);
      await admin(page, '/admin/users/');
      await page.fill('#new-username', 'alice');
      await page.fill('#new-password', 'another-password-1');
      await page.click('#user-create-submit');
      const error = page.locator('#user-create #user-create-error');
      await error.waitFor();
      expect(await error.textContent()).to.match(new RegExp(`^${t['admin.js.failed'].replace('{why}', '')}${t['admin.js.badInput'].replace('{fields}', '')}username`));
      expect(await error.isVisible()).to.equal(true);
      const [box, submit] = [await error.boundingBox(), await page.locator('#user-create-submit').boundingBox()];
      expect(Math.abs(box!.y - submit!.y), 'error and submit button are close').to.be.below(200);
      // In view after the submit, without scrolling.
      expect(await error.evaluate((e) => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; })).to.equal(true);
      // A good try clears it.
      await page.fill('#new-username', `zoe-${lang}`);
      await page.fill('#new-password', 'another-password-1');
      await page.click('#user-create-submit');
      await page.waitForSelector(`#user-table tr[data-user="zoe-${lang}"]`);
      expect(await error.isHidden()).to.equal(true);
      await page.goto(`${srv.url}/admin/`);
      await context.close();
    });

    it(`admin events: the type column is the event's type, not the client's (${lang})`, async () => {
      const { context, page } = await as('root', lang, 1280);
      await admin(page, '/admin/events/');
      expect(await page.locator('#event-table thead th').nth(1).textContent()).to.equal(t['admin.eventType']);
      await page.goto(`${srv.url}/admin/`);
      await context.close();
    });
  }

});
