import { expect } from 'chai';
import { Browser, createTestApp, type TestServer } from '../helpers.ts';
import { adminEn } from '../../src/http/i18n/en/admin.ts';
import { adminFr } from '../../src/http/i18n/fr/admin.ts';

// The admin console's gate: administrators only, anonymous visitors to the login page with a safe `next`, and the
// admin-only mutations the console calls refused to a signed-in non-administrator even with their CSRF token.
const PATHS = ['/admin/', '/admin/users/', '/admin/users', '/admin/applications/', '/admin/tokens/', '/admin/keys/', '/admin/events/', '/admin/resources/', '/admin/resources'];

describe('admin console: the gate (/admin/*)', () => {
  let srv: TestServer;
  let alice: Browser;
  let root: Browser;
  before(async () => {
    srv = await createTestApp();
    await srv.app.seed.user({ username: 'root', password: 'root-password', isAdmin: true });
    await srv.app.seed.user({ username: 'alice', password: 'alice-password' });
    alice = new Browser(srv.url);
    await alice.login('alice', 'alice-password');
    root = new Browser(srv.url);
    await root.login('root', 'root-password');
  });
  after(() => srv.close());

  it('answers 403 to a signed-in non-administrator on every /admin path, with the pages\' headers', async () => {
    for (const path of PATHS) {
      const res = await alice.get(path);
      expect(res.status, path).to.equal(403);
      expect(res.headers.get('content-security-policy'), path).to.match(/frame-ancestors 'none'/);
      expect(await res.text(), path).to.not.include('admin.js');
    }
    // A path the console does not have: not found, for anyone (it names no section).
    expect((await alice.get('/admin/nope/')).status).to.equal(404);
  });

  it('sends anonymous visitors to the login page, next= the path asked for (same-origin, never //)', async () => {
    for (const path of ['/admin/', '/admin/keys/', '/admin/resources/', '/admin/users/?q=%2F%2Fevil.example']) {
      const res = await new Browser(srv.url).get(path);
      expect(res.status, path).to.equal(302);
      const location = new URL(res.headers.get('location')!, srv.url);
      expect(location.pathname).to.equal('/accounts/login/');
      expect(location.searchParams.get('next')).to.equal(path);
    }
    // After logging in, the browser lands where it asked to go.
    const b = new Browser(srv.url);
    const login = await b.login('root', 'root-password', '/admin/keys/');
    expect(login.headers.get('location')).to.equal('/admin/keys/');
  });

  it('serves the console to an administrator: no-store, the nonce\'d module script, the CSRF token for its calls', async () => {
    for (const path of PATHS) {
      const res = await root.get(path);
      expect(res.status, path).to.equal(200);
      expect(res.headers.get('cache-control')).to.equal('no-store');
      const html = await res.text();
      const nonce = /'nonce-([^']+)'/.exec(res.headers.get('content-security-policy')!)![1];
      expect(html).to.include(`<script type="module" src="/static/admin.js" nonce="${nonce}">`);
      expect(html).to.match(/<meta name="csrf-token" content="[^"]{20,}">/);
      expect(html).to.not.match(/ on[a-z]+=/);
    }
    const js = await root.request('/static/admin.js');
    expect(js.status).to.equal(200);
    expect(js.headers.get('content-type')).to.match(/javascript/);
    const text = await js.text();
    expect(text).to.not.match(/\.innerHTML|\.outerHTML|insertAdjacentHTML|eval\(|new Function/);
  });

  it('refuses every admin-only mutation the console calls to a non-administrator session, even with its CSRF token', async () => {
    const csrf = await alice.csrf('/');
    const rootId = (await srv.app.stores.users.findByUsername('root'))!.id;
    const mutations = [
      'mutation { createUser(input: { username: "mallory", password: "mallory-password" }) { user { id } } }',
      `mutation { setUserActive(id: "${rootId}", active: false) { user { id } } }`,
      `mutation { setUserAdmin(id: "${rootId}", isAdmin: false) { user { id } } }`,
      `mutation { setUserPassword(id: "${rootId}", password: "taken-over-1") { user { id } } }`,
      'mutation { rotateSigningKeys(force: true) { currentKids } }',
      `mutation { revokeAllForUser(userId: "${rootId}") { revokedTokens } }`,
      'mutation { createResourceServer(input: { identifier: "https://evil.example/", name: "x", scopes: [] }) { id } }',
    ];
    for (const query of mutations) {
      const res = await alice.request('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify({ query }) });
      const body = await res.json() as { data: unknown; errors: { extensions: { code: string } }[] };
      expect(body.errors?.[0]?.extensions.code, query).to.equal('FORBIDDEN');
    }
    const rootNow = (await srv.app.stores.users.findByUsername('root'))!;
    expect(rootNow.isAdmin && rootNow.isActive).to.equal(true);
    expect(await srv.app.stores.users.findByUsername('mallory')).to.equal(null);
    expect(await srv.app.stores.admin.resourceServers(100)).to.deep.equal([]);
    for (const query of ['{ users(search: "r") { totalCount } }', '{ signingKeys { kid } }', '{ resourceServers { identifier } }']) {
      const res = await alice.request('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
      expect(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code, query).to.equal('FORBIDDEN');
    }
  });

  it('resource servers (issue 21): in the menu of every page, and all in French for a French reader', async () => {
    for (const path of ['/admin/', '/admin/users/', '/admin/resources/']) {
      expect(await (await root.get(path)).text(), path).to.include('href="/admin/resources/"');
    }
    const res = await root.get('/admin/resources/', { 'accept-language': 'fr' });
    expect(res.status).to.equal(200);
    const html = await res.text();
    expect(html).to.include('Serveurs de ressources');
    // No English string of the admin catalogue in the French page: neither a text the page shows nor a word handed
    // to its script (data-words), but those that are also French
    // ("Administration" is the English page title and the French menu entry).
    const unescape = (v: string) => v.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    const texts = [...html.matchAll(/>([^<]+)</g)].map((m) => unescape(m[1]).trim()).filter(Boolean);
    const words = JSON.parse(unescape(/data-words="([^"]*)"/.exec(html)![1])) as Record<string, string>;
    expect(words.createResourceSubmit).to.equal(adminFr['admin.js.createResourceSubmit']);
    const french = new Set(Object.values(adminFr));
    const english = new Set<string>(Object.values(adminEn).filter((v) => !french.has(v)));
    expect([...texts, ...Object.values(words)].filter((v) => english.has(v))).to.deep.equal([]);
  });

  it('shows the Admin menu entry to administrators only', async () => {
    expect(await (await root.get('/')).text()).to.include('href="/admin/"');
    expect(await (await alice.get('/')).text()).to.not.include('href="/admin/"');
  });
});
