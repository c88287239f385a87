import { expect } from 'chai';
import { mkdirSync } from 'node:fs';
import type { Browser as Chromium, Page } from 'playwright-core';
import { Browser, createTestApp, type TestServer } from '../helpers.ts';
import { launchChromium, watchProblems } from '../chromium.ts';
import { postForm } from '../oauth-helpers.ts';

// The admin console in headless Chromium: each page is a GraphQL client of /graphql with the administrator's
// session. Per page: no console error or CSP violation, no horizontal scroll at 360 px, the main action reached
// with Tab and started with Enter, and a real action whose effect is read back from storage.
// Screenshots go to test-artifacts/; `ADMIN_SCREENSHOTS=1` writes the ones in docs/ instead (a normal run leaves the tree clean).
const DOCS = new URL(process.env.ADMIN_SCREENSHOTS === '1' ? '../../docs/' : '../../test-artifacts/', import.meta.url).pathname;
const XSS = '<img src=x onerror=alert(1)>';

describe('e2e: the admin console in a real browser (headless Chromium)', function () {
  this.timeout(120_000);
  let srv: TestServer;
  let browser: Chromium;
  let page: Page;
  let alice: Awaited<ReturnType<TestServer['app']['seed']['user']>>;
  let appClient: Awaited<ReturnType<TestServer['app']['seed']['client']>>;
  let hostile: Awaited<ReturnType<TestServer['app']['seed']['client']>>;
  const problems: string[] = [];
  const dialogs: string[] = [];

  before(async () => {
    mkdirSync(DOCS, { recursive: true });
    srv = await createTestApp();
    await srv.app.seed.user({ username: 'root', password: 'root-password', isAdmin: true });
    alice = await srv.app.seed.user({ username: 'alice', password: 'alice-password', email: 'alice@example.com' });
    appClient = await srv.app.seed.client({ owner: alice, name: 'Alice app', grantTypes: ['password', 'client_credentials'], allowedScopes: ['read', 'write'] });
    hostile = await srv.app.seed.client({ owner: alice, name: XSS, grantTypes: ['authorization_code'], redirectUris: ['https://rp.example/cb'] });
    // Stored metadata a page might turn into a link: the console must show it as text.
    await srv.app.stores.sql.run('update applications set redirect_uris = ? where id = ?', ['javascript:alert(2)', hostile.client.id]);
    browser = await launchChromium();
    page = watchProblems(await browser.newPage(), problems);
    page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
  });
  after(async () => { await browser?.close(); await srv?.close(); });
  afterEach(() => {
    expect(problems, 'console errors or CSP violations').to.deep.equal([]);
    expect(dialogs, 'dialogs opened').to.deep.equal([]);
  });

  /** Loads an admin page and waits for its script's first load. */
  async function open(path: string) {
    await page.goto(`${srv.url}${path}`);
    await page.waitForSelector('#admin[data-ready=true]');
  }
  /** Presses Tab until `selector` has the focus, then Enter: the page works from the keyboard. */
  async function tabToAndEnter(selector: string) {
    // The status line is cleared first, so a wait for "Done." waits for this action, not an earlier one.
    await page.evaluate(() => { (document.activeElement as HTMLElement | null)?.blur(); document.querySelector('#admin-status')!.textContent = ''; });
    for (let i = 0; i < 80; i++) {
      await page.keyboard.press('Tab');
      if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) { await page.keyboard.press('Enter'); return; }
    }
    throw new Error(`Tab never reached ${selector}`);
  }
  /** Presses Tab until `selector` has the focus (from wherever the focus is). */
  async function tabTo(selector: string) {
    for (let i = 0; i < 80; i++) {
      if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
      await page.keyboard.press('Tab');
    }
    throw new Error(`Tab never reached ${selector}`);
  }
  async function noHorizontalScrollAt360() {
    await page.setViewportSize({ width: 360, height: 800 });
    const { scroll, width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: window.innerWidth }));
    expect(scroll, 'page width at 360 px').to.be.at.most(width);
    await page.setViewportSize({ width: 1280, height: 800 });
  }
  async function shoot(name: string) {
    for (const width of [1280, 360]) {
      await page.setViewportSize({ width, height: 800 });
      await page.screenshot({ path: `${DOCS}admin-${name}-${width}.png` });
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  }
  const status = () => page.textContent('#admin-status');

  it('sends an anonymous visitor to the login page and back to the console', async () => {
    await page.goto(`${srv.url}/admin/users/`);
    expect(new URL(page.url()).pathname).to.equal('/accounts/login/');
    expect(new URL(page.url()).searchParams.get('next')).to.equal('/admin/users/');
    await page.getByLabel('Username').fill('root');
    await page.getByLabel('Password').fill('root-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${srv.url}/admin/users/`);
    await page.waitForSelector('#admin[data-ready=true]');
  });

  it('overview: links every section, in English and in French', async () => {
    await open('/admin/');
    await noHorizontalScrollAt360();
    expect(await page.locator('main ul.links a').count()).to.equal(6);
    await page.setExtraHTTPHeaders({ 'accept-language': 'fr' });
    await open('/admin/users/');
    expect(await page.textContent('h1')).to.equal('Utilisateurs');
    expect(await page.locator('#user-table tr[data-user=alice] button').first().textContent()).to.equal('Désactiver');
    await page.setExtraHTTPHeaders({});
  });

  it('users: creates a user from the keyboard, deactivates, makes admin and resets a password', async () => {
    await open('/admin/users/');
    await noHorizontalScrollAt360();
    await page.fill('#new-username', 'carol');
    await page.fill('#new-email', 'carol@example.com');
    await page.fill('#new-password', 'carol-password-1');
    await tabToAndEnter('#user-create-submit');
    await page.waitForSelector('#user-table tr[data-user=carol]');
    const carol = (await srv.app.stores.users.findByUsername('carol'))!;
    expect(carol.email).to.equal('carol@example.com');
    await shoot('users');
    const row = page.locator('#user-table tr[data-user=carol]');
    await row.getByRole('button', { name: 'Deactivate' }).click();
    // exact: an accessible-name match is a case-insensitive substring by default, and "Deactivate" contains it.
    await page.locator('#user-table tr[data-user=carol]').getByRole('button', { name: 'Activate', exact: true }).waitFor();
    expect((await srv.app.stores.users.findById(carol.id))!.isActive).to.equal(false);
    await page.locator('#user-table tr[data-user=carol]').getByRole('button', { name: 'Make admin' }).click();
    await page.locator('#user-table tr[data-user=carol]').getByRole('button', { name: 'Remove admin' }).waitFor();
    expect((await srv.app.stores.users.findById(carol.id))!.isAdmin).to.equal(true);
    await page.locator('#user-table tr[data-user=alice]').getByRole('button', { name: 'Reset password' }).click();
    await page.waitForSelector('#password-form:not([hidden])');
    expect(await page.textContent('#password-label')).to.equal('New password for alice');
    await page.fill('#password-new', 'alice-new-password-2');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#password-form[hidden]', { state: 'attached' });
    const token = await postForm(`${srv.url}/o/token/`, { grant_type: 'password', username: 'alice', password: 'alice-new-password-2', scope: 'read' }, { id: appClient.client.clientId, secret: appClient.clientSecret! });
    expect(token.status).to.equal(200);
    await page.fill('#user-q', 'CAR');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('#user-table tbody tr').length === 1);
    expect(await page.locator('#user-table tbody tr').getAttribute('data-user')).to.equal('carol');
  });

  it('users: deactivate, reset the password, activate — the tokens held before stay dead (attacker read 8, F5)', async () => {
    const erin = await srv.app.seed.user({ username: 'erin', password: 'erin-password-1' });
    const auth = { id: appClient.client.clientId, secret: appClient.clientSecret! };
    const held = await (await postForm(`${srv.url}/o/token/`, { grant_type: 'password', username: 'erin', password: 'erin-password-1', scope: 'read' }, auth)).json() as { access_token: string; refresh_token: string };
    const hello = () => fetch(`${srv.url}/api/hello`, { headers: { authorization: `Bearer ${held.access_token}` } });
    expect((await hello()).status).to.equal(200);
    await open('/admin/users/');
    const row = () => page.locator('#user-table tr[data-user=erin]');
    await row().getByRole('button', { name: 'Deactivate' }).click();
    await row().getByRole('button', { name: 'Activate', exact: true }).waitFor();
    await row().getByRole('button', { name: 'Reset password' }).click();
    await page.fill('#password-new', 'erin-new-password-2');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#password-form[hidden]', { state: 'attached' });
    await row().getByRole('button', { name: 'Activate', exact: true }).click();
    await row().getByRole('button', { name: 'Deactivate' }).waitFor();
    expect((await srv.app.stores.users.findById(erin.id))!.isActive).to.equal(true);
    expect((await hello()).status, 'the old access token').to.equal(401);
    const refresh = await postForm(`${srv.url}/o/token/`, { grant_type: 'refresh_token', refresh_token: held.refresh_token }, auth);
    expect(refresh.status, 'the old refresh token').to.equal(400);
    expect((await refresh.json()).error).to.equal('invalid_grant');
    const live = await srv.app.stores.sql.get<{ n: number }>('select count(*) as n from access_tokens where user_id = ? and revoked_at is null', [erin.id]);
    expect(Number(live!.n)).to.equal(0);
  });

  it('applications: a hostile name and a javascript: URI stay inert text', async () => {
    await open('/admin/applications/');
    const row = page.locator(`#client-table tr[data-client="${hostile.client.clientId}"]`);
    expect(await row.locator('td').first().textContent()).to.equal(XSS);
    await row.getByRole('button', { name: 'Manage' }).click();
    await page.waitForFunction(() => !document.querySelector<HTMLElement>('#client-detail')!.hidden);
    expect(await page.textContent('#client-name')).to.equal(XSS);
    expect(await page.textContent('#client-redirects')).to.equal('javascript:alert(2)');
    expect(await page.locator('main img').count(), 'no <img> from data').to.equal(0);
    expect(await page.locator('a[href^="javascript:"]').count(), 'no javascript: link').to.equal(0);
    await page.waitForTimeout(200);
  });

  it('applications: owner and grants; gives privileged settings from the keyboard; rotates a secret', async () => {
    await open('/admin/applications/');
    await noHorizontalScrollAt360();
    const row = page.locator(`#client-table tr[data-client="${appClient.client.clientId}"]`);
    expect(await row.locator('td').nth(2).textContent()).to.equal('alice');
    await row.getByRole('button', { name: 'Manage' }).click();
    await page.waitForFunction(() => !document.querySelector<HTMLElement>('#client-detail')!.hidden);
    await page.check('#client-skip');
    await page.check('#client-privileged input[name=scope][value=introspection]');
    // Issue 21: the field is bounded by the server maximum (the browser refuses more; so does the API); within it, saved.
    await page.fill('#client-accessTokenLifetime', String(srv.app.config.tokens.accessTokenMaxLifetime + 1));
    expect(await page.$eval('#client-accessTokenLifetime', (i) => (i as HTMLInputElement).validity.rangeOverflow)).to.equal(true);
    await page.fill('#client-accessTokenLifetime', '900');
    await tabToAndEnter('#client-save');
    await page.waitForFunction(() => document.querySelector('#admin-status')?.textContent === 'Done.');
    const saved = (await srv.app.stores.clients.findById(appClient.client.id))!;
    expect(saved.accessTokenLifetime).to.equal(900);
    expect(saved.refreshTokenLifetime).to.equal(null);
    expect(saved.skipAuthorization).to.equal(true);
    expect(saved.allowedScopes).to.include.members(['read', 'write', 'introspection']);
    expect(saved.grantTypes).to.include.members(['password', 'client_credentials']);
    await shoot('applications');
    await page.click('#client-rotate');
    await page.waitForFunction(() => !document.querySelector<HTMLElement>('#client-secret-box')!.hidden);
    const secret = await page.inputValue('#client-secret');
    const cc = (s: string) => postForm(`${srv.url}/o/token/`, { grant_type: 'client_credentials', scope: 'read' }, { id: appClient.client.clientId, secret: s });
    expect((await cc(secret)).status).to.equal(200);
    expect((await cc(appClient.clientSecret!)).status).to.equal(401);
    appClient.clientSecret = secret;
  });

  it('grants and tokens: finds them by user and client, revokes a token then the grant', async () => {
    const issued = await (await postForm(`${srv.url}/o/token/`, { grant_type: 'password', username: 'alice', password: 'alice-new-password-2', scope: 'read write' }, { id: appClient.client.clientId, secret: appClient.clientSecret! })).json() as { access_token: string };
    await open('/admin/tokens/');
    await noHorizontalScrollAt360();
    await page.fill('#token-user', 'alice');
    await page.fill('#token-client', appClient.client.clientId);
    await tabToAndEnter('#token-find');
    await page.waitForSelector('#token-table tr[data-token^="access:"]');
    // Times name their zone (issue 21): the browser's own here, written out by Intl ("… UTC", "… GMT+1").
    expect(await page.locator('#token-table tr[data-token^="access:"]').first().locator('td').nth(4).textContent()).to.match(/\d{2}:\d{2} (UTC|GMT)/);
    expect(await page.locator('#grant-table tr[data-grant]').first().locator('td').nth(3).textContent()).to.match(/\d{2}:\d{2} (UTC|GMT)/);
    const active = async () => (await (await postForm(`${srv.url}/o/introspect/`, { token: issued.access_token }, { id: appClient.client.clientId, secret: appClient.clientSecret! })).json() as { active: boolean }).active;
    expect(await active()).to.equal(true);
    await shoot('tokens');
    const accessRows = page.locator('#token-table tr[data-token^="access:"]');
    const before = await accessRows.count();
    await accessRows.last().getByRole('button', { name: 'Revoke' }).click(); // the newest: the one issued above
    await page.waitForFunction((n) => document.querySelectorAll('#token-table tr[data-token^="access:"]').length === n - 1, before);
    expect(await page.textContent('#admin-status')).to.match(/^1 token\(s\) revoked\.$/);
    expect(await active()).to.equal(false);
    await page.locator('#grant-table tr[data-grant]').first().getByRole('button', { name: 'Revoke' }).click();
    await page.waitForFunction(() => !document.querySelector('#grant-table tr[data-grant]'));
    const grants = await srv.app.stores.grants.listForUser(alice.id);
    expect(grants.filter((g) => g.clientId === appClient.client.clientId)).to.deep.equal([]);
    expect(await status()).to.match(/revoked/);
  });

  it('signing keys: lists them and rotates from the keyboard (forced)', async () => {
    await open('/admin/keys/');
    await noHorizontalScrollAt360();
    const current = async () => (await srv.app.stores.admin.signingKeys(100)).filter((k) => k.status === 'current').map((k) => k.kid).sort();
    const before = await current();
    expect(await page.locator('#key-table tr[data-status=current]').count()).to.equal(before.length);
    await page.check('#key-force');
    await tabToAndEnter('#key-rotate-submit');
    await page.waitForFunction(() => document.querySelector('#admin-status')?.textContent === 'Done.');
    const after = await current();
    expect(after).to.have.length(before.length);
    expect(after.filter((k) => before.includes(k))).to.deep.equal([]);
    expect(await page.locator('#key-table tr[data-status=retired]').count()).to.be.at.least(before.length);
    await shoot('keys');
  });

  it('resource servers (issue 21): refuses bad input next to the form, creates from the keyboard, edits, deletes after a confirmation', async () => {
    const stored = () => srv.app.stores.admin.resourceServers(100);
    await open('/admin/resources/');
    await noHorizontalScrollAt360();
    expect(await page.textContent('#resource-table tbody')).to.equal('Nothing found.');
    // Keyboard only: Tab from the top of the page to each field, type, Enter submits.
    await page.evaluate(() => { (document.activeElement as HTMLElement | null)?.blur(); });
    await tabTo('#resource-identifier');
    await page.keyboard.type('https://api.example.com/orders');
    await tabTo('#resource-name');
    await page.keyboard.type(XSS);
    await tabTo('#resource-scopes');
    await page.keyboard.type('read write');
    await tabTo('#resource-format');
    await page.keyboard.press('ArrowDown');
    await tabTo('#resource-ttl');
    await page.keyboard.type('600');
    await page.keyboard.press('Enter');
    const row = page.locator('#resource-table tr[data-resource="https://api.example.com/orders"]');
    await row.waitFor();
    const [made] = await stored();
    expect(made).to.include({ identifier: 'https://api.example.com/orders', name: XSS, accessTokenTtl: 600 });
    expect(String(made.accessTokenFormat).toLowerCase()).to.equal('jwt');
    expect(made.scopes).to.deep.equal(['read', 'write']);
    // The hostile name is text: no element from it, no dialog (afterEach checks dialogs).
    expect(await row.locator('td').allTextContents()).to.deep.equal(['https://api.example.com/orders', XSS, 'read write', 'JWT', '600 seconds', 'EditDelete']);
    expect(await page.locator('main img').count(), 'no <img> from data').to.equal(0);
    expect(await page.isHidden('#resource-error')).to.equal(true);
    await noHorizontalScrollAt360();
    await page.evaluate(() => { (document.activeElement as HTMLElement | null)?.blur(); window.scrollTo(0, 0); });
    await shoot('resources');

    // What the API refuses is shown next to the form, and nothing is stored.
    const refused = async (identifier: string, scopes: string, why: RegExp) => {
      await page.fill('#resource-identifier', identifier);
      await page.fill('#resource-name', 'Second');
      await page.fill('#resource-scopes', scopes);
      await page.click('#resource-submit');
      await page.waitForSelector('#resource-error:not([hidden])');
      expect(await page.textContent('#resource-error'), identifier).to.match(why);
      await page.evaluate(() => { document.querySelector<HTMLElement>('#resource-error')!.hidden = true; });
    };
    await refused('not a uri', 'read', /^Refused: /);
    await refused('https://api.example.com/orders#frag', 'read', /^Refused: /);
    await refused('https://api.example.com/orders', 'read', /^Refused: /); // in use
    await refused('https://api.example.com/other', 'read no-such-scope', /^Refused: .*no-such-scope/);
    // An error quoting hostile input is text too.
    await refused(`https://api.example.com/${XSS}#x`, 'read', /^Refused: /);
    expect(await page.locator('main img').count(), 'no <img> from an error').to.equal(0);
    expect(await stored()).to.have.length(1);
    await noHorizontalScrollAt360();

    // Edit: the form is filled from the row; Save replaces the settings (an empty lifetime: the server default).
    await page.evaluate(() => { document.querySelector<HTMLFormElement>('#resource-form')!.reset(); });
    await row.getByRole('button', { name: 'Edit' }).click();
    expect(await page.inputValue('#resource-name')).to.equal(XSS);
    expect(await page.textContent('#resource-form-title')).to.equal(`Edit ${XSS}`);
    await page.fill('#resource-name', 'Orders API');
    await page.fill('#resource-scopes', 'read');
    await page.selectOption('#resource-format', 'OPAQUE');
    await page.fill('#resource-ttl', '');
    await page.click('#resource-submit');
    await page.waitForFunction(() => document.querySelector('#resource-table tr[data-resource] td:nth-child(2)')?.textContent === 'Orders API');
    const [edited] = await stored();
    expect(edited).to.include({ id: made.id, name: 'Orders API', accessTokenTtl: null });
    expect(edited.scopes).to.deep.equal(['read']);
    expect(String(edited.accessTokenFormat).toLowerCase()).to.equal('opaque');
    expect(await page.textContent('#resource-submit')).to.equal('Create resource server');

    // Delete asks first (in the page, not a dialog): Cancel keeps it, Delete removes it.
    await row.getByRole('button', { name: 'Delete' }).click();
    await page.waitForSelector('#resource-confirm:not([hidden])');
    expect(await page.textContent('#resource-confirm-text')).to.include('Orders API (https://api.example.com/orders)');
    await page.click('#resource-confirm-no');
    expect(await page.evaluate(() => document.activeElement?.textContent)).to.equal('Delete');
    expect(await stored()).to.have.length(1);
    // From the keyboard: the focus lands on Cancel (the safe choice); Shift+Tab then Enter confirms.
    await tabToAndEnter('#resource-table tr[data-resource] button.danger');
    await page.waitForSelector('#resource-confirm:not([hidden])');
    expect(await page.evaluate(() => document.activeElement?.id)).to.equal('resource-confirm-no');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => !document.querySelector('#resource-table tr[data-resource]'));
    expect(await status()).to.equal('Orders API deleted.');
    expect(await page.evaluate(() => document.activeElement?.id)).to.equal('resource-form-title');
    expect(await stored()).to.deep.equal([]);
  });

  it('resource servers: in French, every word of the page and of its script', async () => {
    await page.setExtraHTTPHeaders({ 'accept-language': 'fr' });
    await open('/admin/resources/');
    expect(await page.textContent('h1')).to.equal('Serveurs de ressources');
    await page.fill('#resource-identifier', 'https://api.example.com/fr');
    await page.fill('#resource-name', 'API');
    await page.click('#resource-submit');
    const row = page.locator('#resource-table tr[data-resource="https://api.example.com/fr"]');
    await row.waitFor();
    expect(await row.locator('td').nth(4).textContent()).to.equal('par défaut');
    expect(await row.locator('button').allTextContents()).to.deep.equal(['Modifier', 'Supprimer']);
    await noHorizontalScrollAt360();
    await row.getByRole('button', { name: 'Supprimer' }).click();
    await page.click('#resource-confirm-yes');
    await page.waitForFunction(() => !document.querySelector('#resource-table tr[data-resource]'));
    await page.setExtraHTTPHeaders({});
  });

  it('events: shows the audit log and streams new events live (GraphQL subscription over SSE)', async () => {
    await open('/admin/events/');
    await page.waitForFunction(() => document.querySelector('#event-live-status')?.textContent !== '');
    await noHorizontalScrollAt360();
    expect(await page.locator('#event-table tr[data-event="user.created"]').count()).to.be.at.least(1);
    // Another administrator's action, through the same public API: it appears here without a reload.
    const other = new Browser(srv.url);
    await other.login('root', 'root-password');
    const csrf = await other.csrf('/');
    const made = await other.request('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify({ query: 'mutation { createUser(input: { username: "dave", password: "dave-password-1" }) { user { id } } }' }) });
    expect(((await made.json()) as { data: unknown }).data).to.not.equal(null);
    await page.waitForSelector('#event-live li[data-event="user.created"]');
    expect(await page.textContent('#event-live')).to.include('dave');
    await shoot('events');
    // The stream is a long request: leave the page so the server can close cleanly.
    await page.goto(`${srv.url}/admin/`);
  });
});
