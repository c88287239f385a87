// Issue 20: an attacker's read of the RFC 8628 device flow. Each test failed on the code before its fix.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { Browser, createTestApp, csrfFrom, type TestServer } from '../helpers.ts';
import { postForm } from '../oauth-helpers.ts';
import * as throttle from '../../src/http/device-throttle.ts';
import { en } from '../../src/http/i18n/en.ts';
import { fr } from '../../src/http/i18n/fr.ts';

const GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const PER_SOURCE = throttle.USER_CODE_FAILURES_PER_SOURCE;
// Before the fix there was no per-account budget (only a global one): read it if it exists.
const PER_ACCOUNT = (throttle as Record<string, unknown>).USER_CODE_FAILURES_PER_ACCOUNT as number | undefined ?? 20;
const OLD_GLOBAL_BUDGET = 1000;

let ipCounter = 0;
/** A fresh IPv4 source (TEST-NET and benchmarking ranges: never a real client). */
const freshIp = () => { const n = ++ipCounter; return `198.18.${(n >> 8) & 255}.${n & 255}`; };
const wrongCode = () => `BCDF${Array.from({ length: 4 }, () => 'BCDFGHJKLMNPQRSTVWXZ'[randomBytes(1)[0] % 20]).join('')}`;
const pageError = (html: string) => /data-error="([^"]+)"/.exec(html)?.[1];

describe('RFC 8628 device flow under attack (issue 20)', function () {
  this.timeout(120_000);
  let t: TestServer;
  // Behind a trusted proxy (TRUST_PROXY): the source is X-Forwarded-For, as Koa's ctx.ip reads it.
  before(async () => { t = await createTestApp({ trustProxy: true, registration: 'open' }); });
  after(() => t.close());

  async function person(opts: { isAdmin?: boolean; lang?: string } = {}) {
    const user = await t.app.seed.user({ username: `p${randomBytes(4).toString('hex')}`, isAdmin: opts.isAdmin });
    const browser = new Browser(t.url, { 'x-forwarded-for': '192.0.2.200', ...(opts.lang ? { 'accept-language': opts.lang } : {}) });
    await browser.login(user.username, user.password);
    return { user, browser };
  }
  async function deviceClient(scopes = ['read'], opts: { name?: string; admin?: boolean } = {}) {
    const owner = await t.app.seed.user({ username: `o${randomBytes(4).toString('hex')}`, isAdmin: opts.admin });
    const { client } = await t.app.seed.client({ owner, ...(opts.name ? { name: opts.name } : {}), clientType: 'public', tokenEndpointAuthMethod: 'none', grantTypes: [GRANT as never], allowedScopes: scopes });
    return client;
  }
  async function authorize(clientId: string, scope = 'read', ip = freshIp()) {
    const res = await postForm(`${t.url}/o/device-authorization/`, { client_id: clientId, scope }, undefined, { 'x-forwarded-for': ip });
    expect(res.status, await res.clone().text()).to.equal(200);
    return await res.json() as { device_code: string; user_code: string };
  }
  const enter = (browser: Browser, code: string, ip: string) => browser.get(`/o/device/?user_code=${encodeURIComponent(code)}`, { 'x-forwarded-for': ip });
  const poll = async (clientId: string, deviceCode: string) => (await (await postForm(`${t.url}/o/token/`, { grant_type: GRANT, device_code: deviceCode, client_id: clientId })).json() as { error?: string }).error;
  async function submit(browser: Browser, code: string, ip: string, decision = 'allow') {
    const token = await browser.csrf('/o/device/');
    return browser.post('/o/device/', { csrfmiddlewaretoken: token, user_code: code, [decision]: decision }, { 'x-forwarded-for': ip });
  }

  describe('D1: user-code guesses are budgeted per source and per account, never globally', () => {
    it('more wrong codes than the old all-sources budget, from many accounts and sources: a person elsewhere still enters their code', async () => {
      // Each account spends its whole budget, PER_SOURCE at a time from fresh sources: no budget of its own is exceeded.
      const perAccount = Math.max(PER_ACCOUNT, PER_SOURCE);
      const accounts = Math.ceil((OLD_GLOBAL_BUDGET + 1) / perAccount);
      const people: Awaited<ReturnType<typeof person>>[] = [];
      for (let i = 0; i < accounts; i++) people.push(await person());
      let refused = 0;
      for (let i = 0; i < people.length; i += 10) {
        await Promise.all(people.slice(i, i + 10).map(async ({ browser }) => {
          let ip = freshIp();
          for (let k = 0; k < perAccount; k++) {
            if (k && k % PER_SOURCE === 0) ip = freshIp();
            const res = await enter(browser, wrongCode(), ip);
            if (res.status === 429) refused++;
            else expect(res.status).to.equal(400);
          }
        }));
      }
      expect(refused, 'each attacker stayed inside its own budgets').to.equal(0);
      const client = await deviceClient();
      const d = await authorize(client.clientId);
      const victim = await person();
      const res = await enter(victim.browser, d.user_code, freshIp());
      expect(res.status, 'no global lockout').to.equal(200);
      expect(await res.text()).to.include(d.user_code);
    });

    it('IPv6 sources count per /64; IPv4 per address (also written as IPv4-mapped IPv6)', async () => {
      const client = await deviceClient();
      const d = await authorize(client.clientId);
      const a = await person();
      for (let i = 0; i < PER_SOURCE; i++) expect((await enter(a.browser, wrongCode(), `2001:db8:20:1::${i + 1}`)).status).to.equal(400);
      // Another account in the same /64 (another interface identifier): that source's budget is spent.
      const b = await person();
      const sameNet = await enter(b.browser, d.user_code, '2001:db8:20:1:ffff:ffff:ffff:fffe');
      expect(sameNet.status).to.equal(429);
      expect(sameNet.headers.get('retry-after')).to.match(/^\d+$/);
      // The neighbouring /64 is another source.
      expect((await enter(b.browser, d.user_code, '2001:db8:20:2::1')).status).to.equal(200);

      const c = await person();
      const v4 = freshIp();
      for (let i = 0; i < PER_SOURCE; i++) expect((await enter(c.browser, wrongCode(), v4)).status).to.equal(400);
      const e = await person();
      expect((await enter(e.browser, d.user_code, `::ffff:${v4}`)).status).to.equal(429);
      expect((await enter(e.browser, d.user_code, freshIp())).status).to.equal(200);
      expect(await poll(client.clientId, d.device_code)).to.equal('authorization_pending');
    });

    it('behind TRUST_PROXY the source is the address the proxy saw (the last X-Forwarded-For entry): addresses the client prepends change nothing', async () => {
      const client = await deviceClient();
      const d = await authorize(client.clientId);
      const real = freshIp();
      // A proxy appends the address it saw to whatever X-Forwarded-For the client sent.
      const spoofed = () => `${freshIp()}, ${real}`;
      const a = await person();
      for (let i = 0; i < PER_SOURCE; i++) expect((await enter(a.browser, wrongCode(), spoofed())).status).to.equal(400);
      const b = await person();
      expect((await enter(b.browser, d.user_code, spoofed())).status).to.equal(429);
      expect((await enter(b.browser, d.user_code, freshIp())).status).to.equal(200);
    });

    it('one account rotating sources runs out of its own budget; another account at the same source does not', async () => {
      const client = await deviceClient();
      const d = await authorize(client.clientId);
      const a = await person();
      for (let i = 0; i < PER_ACCOUNT; i++) expect((await enter(a.browser, wrongCode(), freshIp())).status).to.equal(400);
      const ip = freshIp();
      const refused = await enter(a.browser, d.user_code, ip);
      expect(refused.status).to.equal(429);
      expect(pageError(await refused.text())).to.equal('device.throttled');
      const b = await person();
      expect((await enter(b.browser, d.user_code, ip)).status).to.equal(200);
    });

    // Issue 21, attacker read 8 finding 2: each burst past the source's budget left one more count on the account's
    // (the refused attempt that saturated it was never given back): 10 checks had counted 16.
    it('bursts of wrong codes from one source spend on the account\'s budget only the codes checked', async () => {
      const client = await deviceClient();
      const d = await authorize(client.clientId);
      const a = await person();
      const ip = freshIp();
      let checked = 0;
      for (let wave = 0; wave < 15; wave++) {
        const burst = await Promise.all(Array.from({ length: 30 }, () => enter(a.browser, wrongCode(), ip)));
        checked += burst.filter((r) => r.status === 400).length;
      }
      expect(checked).to.equal(Math.min(PER_SOURCE, PER_ACCOUNT));
      // From another source the account has PER_ACCOUNT - checked wrong codes left, and its real code goes through.
      expect((await enter(a.browser, d.user_code, freshIp())).status, 'the real code from another source').to.equal(200);
      for (let i = 0; i < PER_ACCOUNT - checked; i++) expect((await enter(a.browser, wrongCode(), freshIp())).status, `wrong code ${i + 1}`).to.equal(400);
      expect((await enter(a.browser, wrongCode(), freshIp())).status, 'the account\'s budget used up').to.equal(429);
    });

    it('50 concurrent wrong codes: exactly the budget reaches the check, per source and per account', async () => {
      const a = await person();
      const ip = freshIp();
      const same = await Promise.all(Array.from({ length: 50 }, () => enter(a.browser, wrongCode(), ip)));
      expect(same.filter((r) => r.status === 400)).to.have.length(Math.min(PER_SOURCE, PER_ACCOUNT));
      expect(same.filter((r) => r.status === 429)).to.have.length(50 - Math.min(PER_SOURCE, PER_ACCOUNT));

      // 50 attempts at one source together, from accounts whose own budgets could take them all: the source's budget.
      const many: Awaited<ReturnType<typeof person>>[] = [];
      for (let n = 0; n < 50; n += PER_ACCOUNT) many.push(await person());
      const shared = freshIp();
      const bySource = await Promise.all(Array.from({ length: 50 }, (_, i) => enter(many[i % many.length].browser, wrongCode(), shared)));
      expect(bySource.filter((r) => r.status === 400)).to.have.length(PER_SOURCE);

      // One account from 50 sources together: the account's budget.
      const b = await person();
      const byAccount = await Promise.all(Array.from({ length: 50 }, () => enter(b.browser, wrongCode(), freshIp())));
      expect(byAccount.filter((r) => r.status === 400)).to.have.length(PER_ACCOUNT);
    });
  });

  describe('D2: the device authorization endpoint is rate-limited per source and per client', () => {
    const ask = (clientId: string, ip: string, auth?: { id: string; secret: string }) => postForm(`${t.url}/o/device-authorization/`, { client_id: clientId, scope: 'read' }, auth, { 'x-forwarded-for': ip });

    it('DEVICE_AUTHORIZATION_LIMIT_PER_SOURCE (30 a minute): 50 concurrent requests from one /64, 30 answered, the rest 429 temporarily_unavailable with Retry-After', async () => {
      const client = await deviceClient();
      const res = await Promise.all(Array.from({ length: 50 }, (_, i) => ask(client.clientId, `2001:db8:30:1::${i + 1}`)));
      expect(res.filter((r) => r.status === 200)).to.have.length(30);
      const refused = res.filter((r) => r.status !== 200);
      expect(refused).to.have.length(20);
      for (const r of refused) {
        expect(r.status).to.equal(429);
        expect(r.headers.get('retry-after')).to.match(/^\d+$/);
        expect(r.headers.get('content-type')).to.match(/^application\/json/);
        expect(r.headers.get('cache-control')).to.equal('no-store');
        expect((await r.json() as { error: string }).error).to.equal('temporarily_unavailable');
      }
      const rows = await t.app.stores.sql.all<{ n: number }>('select count(*) as n from device_codes where application_id = ?', [client.id]);
      expect(Number(rows[0].n), 'a refused request stores nothing').to.equal(30);
      expect((await ask(client.clientId, '2001:db8:30:2::1')).status).to.equal(200);
    });

    it('DEVICE_AUTHORIZATION_LIMIT_PER_CLIENT: counted after client authentication, so a wrong secret burns nothing', async () => {
      const own = await createTestApp({ trustProxy: true, rateLimit: { deviceAuthorizationPerClient: 5 } } as never);
      try {
        const owner = await own.app.seed.user({ username: 'owner' });
        const { client, clientSecret } = await own.app.seed.client({ owner, grantTypes: [GRANT as never], allowedScopes: ['read'] });
        const { client: other } = await own.app.seed.client({ owner, clientType: 'public', tokenEndpointAuthMethod: 'none', grantTypes: [GRANT as never], allowedScopes: ['read'] });
        const askOwn = (clientId: string, ip: string, auth?: { id: string; secret: string }) => postForm(`${own.url}/o/device-authorization/`, { client_id: clientId, scope: 'read' }, auth, { 'x-forwarded-for': ip });
        for (let i = 0; i < 6; i++) expect((await askOwn(client.clientId, `203.0.113.${i + 1}`, { id: client.clientId, secret: 'wrong' })).status).to.equal(401);
        const ok = await Promise.all(Array.from({ length: 8 }, (_, i) => askOwn(client.clientId, `203.0.113.${i + 20}`, { id: client.clientId, secret: clientSecret! })));
        expect(ok.filter((r) => r.status === 200)).to.have.length(5);
        const refused = ok.filter((r) => r.status !== 200);
        expect(refused.map((r) => r.status)).to.deep.equal([429, 429, 429]);
        expect((await refused[0].json() as { error: string }).error).to.equal('temporarily_unavailable');
        expect((await askOwn(other.clientId, '203.0.113.50')).status, 'another client keeps its budget').to.equal(200);
      } finally { await own.close(); }
    });
  });

  describe('D3: the verification page resists remote phishing (RFC 8628 §5.4)', () => {
    async function register(name: string) {
      const res = await fetch(`${t.url}/o/register`, {
        method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': freshIp() },
        body: JSON.stringify({ client_name: name, grant_types: [GRANT], response_types: [], token_endpoint_auth_method: 'none', scope: 'read' }),
      });
      expect(res.status, await res.clone().text()).to.equal(201);
      return (await res.json() as { client_id: string }).client_id;
    }

    it('shows the name isolated in <bdi>, who registered the application, and the warning, in English and in French', async () => {
      // Registration refuses direction controls; right-to-left letters still reorder the words around them unless isolated.
      const name = 'Acme TV \u05D0\u05D1\u05D2 1.0';
      const clientId = await register(name);
      const d = await authorize(clientId);
      for (const [lang, catalogue] of [['en', en], ['fr', fr]] as const) {
        const p = await person({ lang });
        const res = await enter(p.browser, d.user_code, freshIp());
        const html = await res.text();
        expect(res.status).to.equal(200);
        expect(html).to.match(new RegExp(`<bdi[^>]*data-testid="device-client"[^>]*>${name}</bdi>`));
        expect(html).to.include('data-testid="device-origin"').and.include(`data-origin="dynamic"`);
        expect(html).to.include(`data-testid="device-warning"`).and.include(catalogue['device.warning']);
        expect(html).to.include(catalogue['device.origin.dynamic']);
        if (lang === 'fr') {
          // No English catalogue string on the French page (those French words differently and that have no parameter).
          const english = (Object.entries(en) as [keyof typeof en, string][]).filter(([k, v]) => fr[k] !== v && !v.includes('{') && v.length > 8 && html.includes(v));
          expect(english).to.deep.equal([]);
        }
      }
    });

    it('an application registered by a user names its owner', async () => {
      const client = await deviceClient();
      const d = await authorize(client.clientId);
      const p = await person();
      const html = await (await enter(p.browser, d.user_code, freshIp())).text();
      expect(html).to.include('data-origin="owner"');
    });

    it('privileged scopes: a notice and no Allow button, for an administrator too; Allow posted anyway is refused and the device denied', async () => {
      const client = await deviceClient(['read', 'admin'], { admin: true });
      const d = await authorize(client.clientId, 'read admin');
      const admin = await person({ isAdmin: true });
      const ip = freshIp();
      const res = await enter(admin.browser, d.user_code, ip);
      const html = await res.text();
      expect(res.status).to.equal(200);
      expect(html).to.include('data-testid="device-privileged"');
      expect(html).to.not.match(/name="allow"/);
      expect(html).to.match(/name="deny"/);
      const forced = await admin.browser.post('/o/device/', { csrfmiddlewaretoken: csrfFrom(html)!, user_code: d.user_code, allow: 'Authorize' }, { 'x-forwarded-for': ip });
      expect(forced.status).to.equal(403);
      expect(await poll(client.clientId, d.device_code)).to.equal('access_denied');
    });
  });

  describe('D4: a code that cannot be used gives the same page and status on every path, never a 500', () => {
    it('approved, denied, consumed, expired or unknown: 400 and device.unknown on GET and POST', async () => {
      const client = await deviceClient();
      const p = await person();
      const ip = freshIp();
      const approved = await authorize(client.clientId);
      expect((await submit(p.browser, approved.user_code, ip)).status).to.equal(200);
      const denied = await authorize(client.clientId);
      expect((await submit(p.browser, denied.user_code, ip, 'deny')).status).to.equal(200);
      const consumed = await authorize(client.clientId);
      expect((await submit(p.browser, consumed.user_code, ip)).status).to.equal(200);
      await new Promise((r) => setTimeout(r, 10));
      expect(await poll(client.clientId, consumed.device_code)).to.equal(undefined);
      const expired = await authorize(client.clientId);
      await t.app.stores.sql.run(`update device_codes set expires_at = ? where status = 'pending' and application_id = ?`, [Date.now() - 1, client.id]);
      const q = await person();
      const answers: [string, number, string | undefined][] = [];
      for (const [name, code] of [['approved', approved.user_code], ['denied', denied.user_code], ['consumed', consumed.user_code], ['expired', expired.user_code], ['unknown', 'ZZZZ-ZZZZ']]) {
        for (const who of [p, q]) {
          const get = await enter(who.browser, code, freshIp());
          answers.push([`GET ${name}`, get.status, pageError(await get.text())]);
          const post = await submit(who.browser, code, freshIp());
          answers.push([`POST ${name}`, post.status, pageError(await post.text())]);
        }
      }
      expect(answers.filter(([, s, e]) => s !== 400 || e !== 'device.unknown')).to.deep.equal([]);
    });
  });

  describe('D5: two people submitting one code together', () => {
    it('20 concurrent submissions from two sessions: exactly one binds; every other gets the same 400 page', async () => {
      const client = await deviceClient();
      const d = await authorize(client.clientId);
      const a = await person();
      const b = await person();
      const [ipA, ipB] = [freshIp(), freshIp()];
      const [ta, tb] = await Promise.all([a.browser.csrf('/o/device/'), b.browser.csrf('/o/device/')]);
      const res = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2
        ? b.browser.post('/o/device/', { csrfmiddlewaretoken: tb, user_code: d.user_code, allow: 'x' }, { 'x-forwarded-for': ipB })
        : a.browser.post('/o/device/', { csrfmiddlewaretoken: ta, user_code: d.user_code, allow: 'x' }, { 'x-forwarded-for': ipA }))));
      const winners = res.map((r, i) => [r.status, i] as const).filter(([s]) => s === 200);
      expect(winners).to.have.length(1);
      const losers = res.filter((r) => r.status !== 200);
      for (const r of losers) expect([r.status, pageError(await r.text())]).to.deep.equal([400, 'device.unknown']);
      const winner = winners[0][1] % 2 ? b.user : a.user;
      const row = (await t.app.stores.sql.all<{ user_id: number; status: string }>('select user_id, status from device_codes where application_id = ?', [client.id]))[0];
      expect([Number(row.user_id), row.status]).to.deep.equal([winner.id, 'approved']);
      const grants = await t.app.stores.sql.all<{ user_id: number }>('select user_id from grants where application_id = ?', [client.id]);
      expect(grants.map((g) => Number(g.user_id))).to.deep.equal([winner.id]);
    });
  });
});
