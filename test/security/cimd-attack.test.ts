// An attacker's read of issue 20 (client ID metadata documents, native apps, dynamic registration): each test
// reproduces a finding over real HTTP and failed on the code before its rule.
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, createTestApp, testIdValue, type TestServer } from '../helpers.ts';
import { authorizeThroughConsent, pkcePair, postForm } from '../oauth-helpers.ts';
import { CALLBACK, DocumentServer } from '../document-server.ts';
import { testDatabase } from '../database.ts';
import { createApp } from '../../src/index.ts';
import { siteOf } from '../../src/oauth2/metadata-client-resolver.ts';
import { issueInitialAccessToken } from '../../src/oauth2/dynamic-registration.ts';

type Json = Record<string, any>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const authorize = (clientId: string, extra: Record<string, string> = {}) => {
  const { verifier, challenge } = pkcePair();
  return { verifier, params: { response_type: 'code', client_id: clientId, redirect_uri: CALLBACK, scope: 'read', state: 's1', code_challenge: challenge, code_challenge_method: 'S256', ...extra } };
};
const get = (b: Browser, clientId: string, extra: Record<string, string> = {}) => b.get(`/o/authorize/?${new URLSearchParams(authorize(clientId, extra).params)}`);

async function signedIn(t: TestServer) {
  const user = await t.app.seed.user({ username: `u${Math.random().toString(36).slice(2, 8)}` });
  const browser = new Browser(t.url);
  await browser.login(user.username, user.password);
  return browser;
}

/** A second site on the same server, named `localhost`: another host for the per-host limits. */
function otherHost(site: DocumentServer): DocumentServer {
  const other = Object.create(site) as DocumentServer;
  other.base = site.base.replace('127.0.0.1', 'localhost');
  return other;
}

const metadataIds = async (t: TestServer) => (await t.app.stores.sql.all<Json>('select client_id from applications where registered = ? order by client_id', ['metadata'])).map((r) => r.client_id as string);

describe('Attacker read of issue 20: client ID metadata documents', () => {
  let site: DocumentServer;
  before(async () => { site = await new DocumentServer().start(); });
  after(() => site.close());

  describe('#1 cost: one deadline per resolution, per-host fetches, stale rows kept through a failed refresh', () => {
    let t: TestServer;
    let browser: Browser;
    before(async () => {
      t = await createTestApp({ outboundAllowedHosts: ['127.0.0.1', 'localhost'], clientIdMetadata: { minTtl: 1 } });
      browser = await signedIn(t);
    });
    after(() => t.close());

    it('a hanging sector_identifier_uri inside a document ends with the document\'s own deadline (3 s), not 3 + 5 s', async function () {
      this.timeout(15_000);
      site.routes.set('/sector-hang.json', () => { /* never answers */ });
      const url = site.doc('/with-sector.json', { subject_type: 'pairwise', sector_identifier_uri: `${site.base}/sector-hang.json` });
      const started = Date.now();
      const res = await get(browser, url);
      expect(res.status).to.equal(400);
      expect(Date.now() - started).to.be.below(4500);
    });

    it('a document\'s sector_identifier_uri is on the document\'s own site: one on another host is refused before anything is fetched there, so anonymous requests cannot spend a relying party\'s sector share (attacker read 25, F1)', async () => {
      const elsewhere = otherHost(site);
      elsewhere.routes.set('/their-sector.json', (res) => { res.writeHead(200, { 'Content-Type': 'application/json' }); res.end('[]'); });
      const before = site.hitsOf('/their-sector.json');
      const url = site.doc('/sector-elsewhere.json', { subject_type: 'pairwise', sector_identifier_uri: `${elsewhere.base}/their-sector.json` });
      const res = await get(browser, url);
      expect(res.status).to.equal(400);
      expect(await res.text()).to.match(/sector_identifier_uri/);
      expect(site.hitsOf('/their-sector.json') - before, 'nothing fetched at the other host').to.equal(0);
      expect(await metadataIds(t)).to.not.include(url);
    });

    it('8 hanging documents on one host do not refuse a client on another host', async function () {
      this.timeout(20_000);
      const paths = Array.from({ length: 8 }, (_, i) => `/host-hang${i}.json`);
      for (const p of paths) site.routes.set(p, () => { /* never answers */ });
      const hanging = paths.map((p) => get(browser, site.base + p));
      await sleep(300);
      const elsewhere = otherHost(site).doc('/elsewhere-ok.json');
      const res = await get(browser, elsewhere);
      expect(res.status).to.equal(200);
      await Promise.all(hanging);
    });

    it('a known client whose refresh times out is served from its stale row (a grace period), one whose document is gone is not', async function () {
      this.timeout(20_000);
      const url = site.doc('/grace.json', {}, { 'Cache-Control': 'max-age=1' });
      expect((await get(browser, url)).status).to.equal(200);
      await sleep(1100);
      site.routes.set('/grace.json', () => { /* hangs: a transient failure */ });
      expect((await get(browser, url)).status).to.equal(200);
      const gone = site.doc('/gone-for-good.json', {}, { 'Cache-Control': 'max-age=1' });
      expect((await get(browser, gone)).status).to.equal(200);
      await sleep(1100);
      site.routes.set('/gone-for-good.json', (res) => { res.statusCode = 404; res.end(); });
      expect((await get(browser, gone)).status).to.equal(400);
    });
  });

  describe('#2 the cap: least recently used rows without a grant go first, the count holds under concurrency, a host has a quota', () => {
    it('a full cap of fresh rows nobody consented to makes room by evicting the least recently used one', async () => {
      const t = await createTestApp({ outboundAllowedHosts: ['127.0.0.1', 'localhost'], clientIdMetadata: { maxClients: 2, minTtl: 600 } });
      try {
        const browser = await signedIn(t);
        const [a, b, c] = ['/lru-a.json', '/lru-b.json', '/lru-c.json'].map((p) => site.doc(p, {}, { 'Cache-Control': 'max-age=600' }));
        expect((await get(browser, a)).status).to.equal(200);
        expect((await get(browser, b)).status).to.equal(200);
        // a was used long ago, b less long ago; a's use now makes b the least recently used.
        await t.app.stores.sql.run('update applications set metadata_last_used_at = ? where client_id = ?', [Date.now() - 7_200_000, a]);
        await t.app.stores.sql.run('update applications set metadata_last_used_at = ? where client_id = ?', [Date.now() - 3_600_000, b]);
        t.app.stores.clients.invalidate();
        expect((await get(browser, a)).status).to.equal(200);
        expect((await get(browser, c)).status).to.equal(200);
        expect(await metadataIds(t)).to.deep.equal([a, c].sort());
      } finally { await t.close(); }
    });

    it('20 concurrent new documents never leave more rows than the cap', async function () {
      this.timeout(20_000);
      const t = await createTestApp({ outboundAllowedHosts: ['127.0.0.1', 'localhost'], clientIdMetadata: { maxClients: 3, minTtl: 600 } });
      try {
        const browser = await signedIn(t);
        const ids = Array.from({ length: 20 }, (_, i) => (i % 2 ? otherHost(site) : site).doc(`/burst-cap${i}.json`, {}, { 'Cache-Control': 'max-age=600' }));
        await Promise.all(ids.map((id) => get(browser, id)));
        expect((await metadataIds(t)).length).to.be.at.most(3);
      } finally { await t.close(); }
    });

    it('one host holds at most CLIENT_ID_METADATA_MAX_CLIENTS_PER_HOST rows: its own least recently used goes, another host\'s stays', async () => {
      const t = await createTestApp({ outboundAllowedHosts: ['127.0.0.1', 'localhost'], clientIdMetadata: { maxClients: 100, maxClientsPerHost: 2, minTtl: 600 } });
      try {
        const browser = await signedIn(t);
        const other = otherHost(site).doc('/quota-other.json');
        expect((await get(browser, other)).status).to.equal(200);
        const mine = ['/quota-1.json', '/quota-2.json', '/quota-3.json'].map((p) => site.doc(p));
        for (const [i, id] of mine.entries()) {
          expect((await get(browser, id)).status).to.equal(200);
          await t.app.stores.sql.run('update applications set metadata_last_used_at = ? where client_id = ?', [Date.now() - (10 - i) * 60_000, id]);
        }
        expect(await metadataIds(t)).to.deep.equal([other, mine[1], mine[2]].sort());
      } finally { await t.close(); }
    });
  });

  describe('#3, #5, #8 what a document may say', () => {
    let t: TestServer;
    let browser: Browser;
    before(async () => {
      t = await createTestApp({ outboundAllowedHosts: ['127.0.0.1'] });
      browser = await signedIn(t);
    });
    after(() => t.close());

    it('consent: a custom-scheme redirect shows only its scheme, never its authority; the title names the client\'s host; the warning covers it (en, fr)', async () => {
      const evil = 'com.evil.app://accounts.google.com/oauth2/callback';
      const url = site.doc('/phish.json', { client_name: 'Google', application_type: 'native', redirect_uris: [evil] });
      for (const lang of ['en', 'fr']) {
        const res = await get(browser, url, { redirect_uri: evil, ui_locales: lang });
        expect(res.status, lang).to.equal(200);
        const html = await res.text();
        // What the user reads: the form's hidden fields carry the redirect URI back, as they must.
        expect(html.replace(/<input[^>]*>/g, ''), lang).to.not.include('accounts.google.com');
        expect(testIdValue(html, 'sent-to'), lang).to.include('com.evil.app:');
        expect(testIdValue(html, 'redirect-elsewhere'), lang).to.include('com.evil.app:');
        expect(testIdValue(html, 'consent-title'), lang).to.include(new URL(site.base).host);
        expect(/<h1[^>]*>([^<]*)</.exec(html)![1], lang).to.not.match(/^\s*(Authorize|Autoriser) Google/);
      }
    });

    it('a NUL in a document string is a refusal (error page, invalid_client), never a 500, and is remembered', async () => {
      site.doc('/nul.json', { client_name: 'x\u0000y' });
      const url = `${site.base}/nul.json`;
      const res = await get(browser, url);
      expect(res.status).to.equal(400);
      const token = await postForm(`${t.url}/o/token/`, { grant_type: 'authorization_code', code: 'x', redirect_uri: CALLBACK, client_id: url, code_verifier: 'v'.repeat(43) });
      expect(token.status).to.equal(401);
      expect(site.hitsOf('/nul.json')).to.equal(1);
      site.doc('/nul-uri.json', { redirect_uris: [CALLBACK, 'https://x.example/\u0000'] });
      expect((await get(browser, `${site.base}/nul-uri.json`)).status).to.equal(400);
    });

    it('a client_id with a query string is refused before any fetch', async () => {
      const url = site.doc('/query.json');
      expect((await get(browser, `${url}?v=1`)).status).to.equal(400);
      expect(site.hitsOf('/query.json?v=1')).to.equal(0);
    });

    it('a client_name with bidi override or isolate characters is refused (documents and /o/register alike)', async () => {
      for (const [i, ch] of ['\u202A', '\u202E', '\u2066', '\u2069'].entries()) {
        site.doc(`/bidi${i}.json`, { client_name: `Good${ch}elgooG` });
        expect((await get(browser, `${site.base}/bidi${i}.json`)).status, ch.codePointAt(0)!.toString(16)).to.equal(400);
      }
      const open = await createTestApp({ registration: 'open' });
      try {
        const res = await fetch(`${open.url}/o/register`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ client_name: 'Bank\u202Eelif', redirect_uris: ['https://rp.example/cb'] }) });
        expect(res.status).to.equal(400);
        expect((await res.json() as Json).error).to.equal('invalid_client_metadata');
      } finally { await open.close(); }
    });
  });

  describe('#4 outbound failures tell the caller nothing about the network', () => {
    it('registration: refused, unreachable, unresolvable and closed-port sector documents all read "could not be fetched"', async () => {
      const t = await createTestApp({ registration: 'open', outboundAllowedHosts: ['127.0.0.1'] });
      try {
        const texts = new Set<string>();
        for (const sector of ['https://127.0.0.1:1/s.json', 'https://10.0.0.1/s.json', 'https://no-such-host.invalid/s.json', 'https://localhost:1/s.json']) {
          const res = await fetch(`${t.url}/o/register`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ client_name: 'p', redirect_uris: ['https://rp.example/cb'], subject_type: 'pairwise', sector_identifier_uri: sector }) });
          expect(res.status, sector).to.equal(400);
          const body = await res.json() as Json;
          expect(body.error_description, sector).to.not.match(/ENOTFOUND|ECONNREFUSED|EPROTO|getaddrinfo|private|127\.0\.0\.1|10\.0\.0\.1|resolves/i);
          expect(body.error_description, sector).to.match(/could not be fetched/);
          texts.add(body.error_description);
        }
        expect(texts.size).to.equal(1);
      } finally { await t.close(); }
    });

    it('a metadata client_id: a private target and a missing host read the same', async () => {
      const t = await createTestApp();
      try {
        const browser = await signedIn(t);
        const lead = async (id: string) => (await (await get(browser, id)).text()).replace(/\s+/g, ' ').match(/<p class="lead">[^<]*/)?.[0] ?? '';
        const privateTarget = await lead('https://127.0.0.1:1/doc.json');
        const missing = await lead('https://no-such-host.invalid/doc.json');
        expect(privateTarget).to.not.match(/private|refused|ECONN|getaddrinfo/i);
        expect(privateTarget.replace('127.0.0.1:1', 'X')).to.equal(missing.replace('no-such-host.invalid', 'X'));
      } finally { await t.close(); }
    });
  });

  describe('#9 a redirect origin added to a document after consent', () => {
    let t: TestServer;
    before(async () => { t = await createTestApp({ outboundAllowedHosts: ['127.0.0.1'], clientIdMetadata: { minTtl: 1 } }); });
    after(() => t.close());
    const EVIL = 'https://evil.example/steal';
    const origins = async (clientId: string) => (await t.app.stores.sql.all<Json>('select g.consented_origins from grants g join applications a on a.id = g.application_id where a.client_id = ?', [clientId]))[0]?.consented_origins;

    it('is not answered with a code until the user consents to it again; approving adds the origin', async function () {
      this.timeout(15_000);
      const browser = await signedIn(t);
      const url = site.doc('/origin-added.json', {}, { 'Cache-Control': 'max-age=1' });
      const first = await authorizeThroughConsent(browser, authorize(url).params);
      expect(first.origin + first.pathname).to.equal(CALLBACK);
      expect(first.searchParams.get('code')).to.be.a('string');
      // The origin the user saw is remembered (a loopback redirect without its port, RFC 8252 §7.3), and reused.
      expect(await origins(url)).to.equal('http://127.0.0.1');
      expect((await get(browser, url)).status).to.equal(302);
      site.doc('/origin-added.json', { redirect_uris: [CALLBACK, EVIL] }, { 'Cache-Control': 'max-age=1' });
      await sleep(1100);
      const res = await get(browser, url, { redirect_uri: EVIL });
      expect(res.status).to.equal(200);
      expect(res.headers.get('location')).to.equal(null);
      expect(testIdValue(await res.text(), 'sent-to')).to.include('evil.example');
      // prompt=none cannot skip it either (OpenID Connect Core §3.1.2.6: consent_required).
      const none = await get(browser, url, { redirect_uri: EVIL, prompt: 'none' });
      expect(none.status).to.equal(302);
      const refused = new URL(none.headers.get('location')!);
      expect(refused.searchParams.get('error')).to.equal('consent_required');
      expect(refused.searchParams.get('code')).to.equal(null);
      const approved = await authorizeThroughConsent(browser, authorize(url, { redirect_uri: EVIL }).params);
      expect(approved.origin + approved.pathname).to.equal(EVIL);
      expect((await origins(url))?.split(' ').sort()).to.deep.equal(['http://127.0.0.1', 'https://evil.example']);
      expect((await get(browser, url, { redirect_uri: EVIL })).status).to.equal(302);
    });

    it('a registered client: a grant from before the rule (no origins) skips consent as before; a recorded one asks for a new origin', async () => {
      const owner = await t.app.seed.user({ username: `o${Math.random().toString(36).slice(2, 8)}` });
      const { client } = await t.app.seed.client({ owner, clientType: 'public', tokenEndpointAuthMethod: 'none', grantTypes: ['authorization_code'], redirectUris: ['https://client.example.com/cb', 'https://other.example/cb'] });
      const browser = await signedIn(t);
      const params = (redirect: string) => authorize(client.clientId, { redirect_uri: redirect }).params;
      const at = (redirect: string) => browser.get(`/o/authorize/?${new URLSearchParams(params(redirect))}`);
      await authorizeThroughConsent(browser, params('https://client.example.com/cb'));
      expect(await origins(client.clientId)).to.equal('https://client.example.com');
      expect((await at('https://other.example/cb')).status).to.equal(200);
      await t.app.stores.sql.run('update grants set consented_origins = null');
      expect((await at('https://other.example/cb')).status).to.equal(302);
      // That old grant had consented to every registered redirect URI: they are recorded, nothing more.
      expect((await origins(client.clientId))?.split(' ').sort()).to.deep.equal(['https://client.example.com', 'https://other.example']);
    });
  });

  it('#8 CLIENT_ID_METADATA_DOCUMENTS=off: a metadata row left behind is unknown to userinfo and every other lookup', async function () {
    this.timeout(20_000);
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cimd-off-'));
    const db = await testDatabase({ sqliteFile: join(dir, 'off.sqlite') });
    try {
      const on = await createApp({ env: 'test', database: db.database, outboundAllowedHosts: ['127.0.0.1'] });
      let accessToken: string;
      try {
        const { url: base } = await on.listen(0, '127.0.0.1');
        const user = await on.seed.user({ username: 'offuser' });
        const browser = new Browser(base);
        await browser.login(user.username, user.password);
        const clientId = site.doc('/off-later.json', { scope: 'openid read' });
        const { verifier, params } = authorize(clientId, { scope: 'openid read', nonce: 'n' });
        const callback = await authorizeThroughConsent(browser, params);
        const res = await postForm(`${base}/o/token/`, { grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: CALLBACK, client_id: clientId, code_verifier: verifier });
        accessToken = (await res.json() as Json).access_token;
        expect((await fetch(`${base}/userinfo`, { headers: { Authorization: `Bearer ${accessToken}` } })).status).to.equal(200);
      } finally { await on.close(); }
      const off = await createApp({ env: 'test', database: db.database, clientIdMetadata: { mode: 'off' } });
      try {
        const { url: base } = await off.listen(0, '127.0.0.1');
        expect((await fetch(`${base}/userinfo`, { headers: { Authorization: `Bearer ${accessToken}` } })).status).to.equal(401);
      } finally { await off.close(); }
    } finally { await db.drop(); rmSync(dir, { recursive: true, force: true }); }
  });
});

describe('Attacker read of issue 20: initial access tokens', () => {
  let t: TestServer;
  before(async () => { t = await createTestApp({ registration: 'token' }); });
  after(() => t.close());
  const register = (token: string, body: Json) => fetch(`${t.url}/o/register`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  const WEB = { client_name: 'RP', redirect_uris: ['https://rp.example/cb'] };

  it('#6 a single-use token survives a registration that fails validation; a multi-use one does not count it', async () => {
    const single = await issueInitialAccessToken(t.app.stores.clients, { singleUse: true, expiresIn: 600, createdBy: null });
    const bad = await register(single.token, { client_name: 'RP', redirect_uris: ['javascript:alert(1)'] });
    expect(bad.status).to.equal(400);
    expect((await register(single.token, WEB)).status).to.equal(201);
    expect((await register(single.token, WEB)).status).to.equal(401);
    const multi = await issueInitialAccessToken(t.app.stores.clients, { singleUse: false, expiresIn: 600, createdBy: null });
    expect((await register(multi.token, { client_name: 'RP', scope: 'admin', redirect_uris: ['https://rp.example/cb'] })).status).to.equal(400);
    expect((await t.app.stores.sql.all<Json>('select uses from initial_access_tokens where id = ?', [multi.id]))[0].uses).to.equal(0);
  });

  it('#6 50 concurrent valid registrations with one single-use token: exactly one 201', async function () {
    this.timeout(20_000);
    const { token } = await issueInitialAccessToken(t.app.stores.clients, { singleUse: true, expiresIn: 600, createdBy: null });
    const before = (await t.app.stores.sql.all<Json>('select count(*) as n from applications'))[0].n;
    const statuses = (await Promise.all(Array.from({ length: 50 }, () => register(token, WEB)))).map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).to.have.length(1);
    expect(statuses.filter((s) => s !== 201 && s !== 401 && s !== 429)).to.deep.equal([]);
    expect((await t.app.stores.sql.all<Json>('select count(*) as n from applications'))[0].n).to.equal(before + 1);
  });

  it('#7 expires-in is a whole number of seconds from 60 s to 10 years, checked in the core function (CLI and GraphQL call it)', async () => {
    for (const expiresIn of [1e300, 59, 0, -5, 1.5, Number.NaN, 10 * 366 * 86400]) {
      let error: unknown;
      try { await issueInitialAccessToken(t.app.stores.clients, { singleUse: true, expiresIn, createdBy: null }); } catch (e) { error = e; }
      expect(error, String(expiresIn)).to.be.instanceOf(Error);
      expect((error as Json).error, String(expiresIn)).to.equal('invalid_request');
    }
    expect((await issueInitialAccessToken(t.app.stores.clients, { singleUse: true, expiresIn: 60, createdBy: null })).expiresAt).to.be.a('number');
    const listed = await t.app.stores.clients.initialAccessTokens(100);
    expect(listed.every((x) => x.expiresAt === null || Number.isSafeInteger(x.expiresAt))).to.equal(true);
  });
});

describe('Attacker read 15, F4: eight anonymous requests held every metadata-document fetch slot', () => {
  let site: DocumentServer;
  before(async () => { site = await new DocumentServer().start(); });
  after(() => site.close());

  it('IP literals are one site (each was its own, so any unrouted addresses held every slot for free)', () => {
    expect(siteOf('https://203.0.113.5/a.json')).to.equal(siteOf('https://198.51.100.9/b.json'));
    expect(siteOf('https://[2001:db8::1]/a.json')).to.equal(siteOf('https://203.0.113.5/a.json'));
    expect(siteOf('https://a.example.com/x')).to.equal('example.com');
    expect(siteOf('https://a.example.com/x')).to.not.equal(siteOf('https://203.0.113.5/a.json'));
  });

  it('a site is the registrable domain of the Public Suffix List: subdomains of a short ccTLD domain are one site, a platform\'s tenants each their own (attacker read 20, F4)', () => {
    // Each of these was its own site under the "short second level under a country code" guess: sixteen wildcard
    // subdomains of one cheap domain held every fetch slot.
    for (const domain of ['qz.io', 'ab.de', 'xyz.me', 'bit.ly']) {
      expect(siteOf(`https://s1.${domain}/c`), domain).to.equal(domain);
      expect(siteOf(`https://s1.${domain}/c`), domain).to.equal(siteOf(`https://deep.s2.${domain}/c`));
    }
    // Public suffixes still count: example.co.uk and example.com.au are sites of their own.
    expect(siteOf('https://a.example.co.uk/x')).to.equal('example.co.uk');
    expect(siteOf('https://a.example.co.uk/x')).to.not.equal(siteOf('https://a.other.co.uk/x'));
    expect(siteOf('https://a.example.com.au/x')).to.equal('example.com.au');
    // A platform's tenants (PSL private section) are different owners: one slow app does not block the others.
    expect(siteOf('https://one.herokuapp.com/x')).to.not.equal(siteOf('https://two.herokuapp.com/x'));
    expect(siteOf('https://one.vercel.app/x')).to.not.equal(siteOf('https://two.vercel.app/x'));
    expect(siteOf('https://EXAMPLE.com./x')).to.equal('example.com');
    // Names the list gives no domain for (a label starting or ending with a hyphen) fall back to their last two labels,
    // never to themselves (attacker read 21, F4).
    for (const host of ['-1.attacker.com', 'x1-.attacker.com', 'a.-b.attacker.com']) expect(siteOf(`https://${host}/c`), host).to.equal('attacker.com');
  });

  it('8 anonymous requests to documents hanging on 4 IP literals no longer hold every slot: a new client on a named site is served', async function () {
    this.timeout(20_000);
    // 127.0.0.2–5 are loopback addresses on Linux: four hosts that take the connection and never answer.
    const hosts = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];
    const servers = await Promise.all(hosts.map((h) => new Promise<Server>((resolve) => { const s = createServer(() => { /* never answers */ }); s.listen(0, h, () => resolve(s)); })));
    const own = await createTestApp({ outboundAllowedHosts: [...hosts, '127.0.0.1', 'localhost'] });
    try {
      const anonymous = new Browser(own.url);
      const params = (clientId: string) => new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: CALLBACK, code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' });
      const hanging = servers.flatMap((s, i) => [0, 1].map((n) => anonymous.get(`/o/authorize/?${params(`http://${hosts[i]}:${(s.address() as AddressInfo).port}/doc${n}.json`)}`)));
      await sleep(300);
      const named = `${site.base.replace('127.0.0.1', 'localhost')}/named-site.json`;
      site.doc('/named-site.json', { client_id: named });
      const res = await anonymous.get(`/o/authorize/?${params(named)}`);
      // Anonymous: the document was read and the request goes on to the login page, not an error page.
      expect(res.status).to.equal(302);
      expect(site.hitsOf('/named-site.json')).to.equal(1);
      expect((await Promise.all(hanging)).map((r) => r.status)).to.deep.equal(Array(8).fill(400));
    } finally {
      await own.close();
      for (const s of servers) { s.closeAllConnections(); s.close(); }
    }
  });

  it('a document fetched again that makes its subs another way (the device grant dropped: its sector becomes its redirect host) ends what was issued before (attacker read 16, F2)', async function () {
    this.timeout(20_000);
    const own = await createTestApp({ outboundAllowedHosts: ['127.0.0.1', 'localhost'], clientIdMetadata: { minTtl: 1 } });
    try {
      const DEVICE = 'urn:ietf:params:oauth:grant-type:device_code';
      // A redirect URI that reaches its host (a loopback one names no sector at all: attacker read 18, F1).
      const rp = 'https://rp.example.com/callback';
      const url = site.doc('/flip.json', { subject_type: 'pairwise', scope: 'openid', grant_types: [DEVICE, 'authorization_code'], redirect_uris: [rp] }, { 'Cache-Control': 'max-age=1' });
      const user = await own.app.seed.user({ username: `f${Math.random().toString(36).slice(2, 8)}` });
      const browser = new Browser(own.url);
      await browser.login(user.username, user.password);
      const d = await (await postForm(`${own.url}/o/device-authorization/`, { client_id: url, scope: 'openid' })).json();
      const page = await browser.get(`/o/device/?user_code=${encodeURIComponent(d.user_code)}`);
      const csrf = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(await page.text())![1];
      await browser.post('/o/device/', { csrfmiddlewaretoken: csrf, user_code: d.user_code, allow: 'allow' });
      const tokens = await (await postForm(`${own.url}/o/token/`, { grant_type: DEVICE, device_code: d.device_code, client_id: url })).json();
      expect((await fetch(`${own.url}/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).status).to.equal(200);
      site.doc('/flip.json', { subject_type: 'pairwise', scope: 'openid', grant_types: ['authorization_code'], redirect_uris: [rp] }, { 'Cache-Control': 'max-age=1' });
      await sleep(1100);
      // Any use of the client_id fetches the stale document again.
      await browser.get(`/o/authorize/?${new URLSearchParams(authorize(url, { scope: 'openid', redirect_uri: rp }).params)}`);
      expect((await fetch(`${own.url}/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).status).to.equal(401);
      expect((await postForm(`${own.url}/o/token/`, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: url })).status).to.equal(400);
    } finally { await own.close(); }
  });
});
