import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { Browser, createTestApp, csrfFrom, type TestServer } from '../helpers.ts';
import { postForm } from '../oauth-helpers.ts';
import { USER_CODE_FAILURES_PER_SOURCE } from '../../src/http/device-throttle.ts';

const GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const USER_CODE = /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/;

describe('RFC 8628 device authorization grant', () => {
  let t: TestServer;
  before(async () => { t = await createTestApp(); });
  after(() => t.close());

  async function setup(scopes = ['read', 'openid', 'profile']) {
    const user = await t.app.seed.user({ username: `d${randomBytes(3).toString('hex')}` });
    const { client } = await t.app.seed.client({ owner: user, clientType: 'public', tokenEndpointAuthMethod: 'none', grantTypes: [GRANT as never], allowedScopes: scopes });
    const browser = new Browser(t.url);
    await browser.login(user.username, user.password);
    return { user, client, browser };
  }
  const authorize = async (clientId: string, scope = 'read openid profile') => {
    const res = await postForm(`${t.url}/o/device-authorization/`, { client_id: clientId, scope });
    expect(res.status).to.equal(200);
    return await res.json() as Record<string, string | number>;
  };
  const poll = (clientId: string, deviceCode: string) => postForm(`${t.url}/o/token/`, { grant_type: GRANT, device_code: deviceCode, client_id: clientId });
  const pollJson = async (clientId: string, deviceCode: string) => { const r = await poll(clientId, deviceCode); return { status: r.status, body: await r.json() as Record<string, string> }; };
  async function decide(browser: Browser, userCode: string, decision: 'allow' | 'deny' = 'allow') {
    const page = await browser.get(`/o/device/?user_code=${encodeURIComponent(userCode)}`);
    const html = await page.text();
    expect(page.status, html).to.equal(200);
    const body: Record<string, string> = { csrfmiddlewaretoken: csrfFrom(html)!, user_code: userCode };
    body[decision] = decision;
    return browser.post('/o/device/', body);
  }
  const row = async () => (await t.app.stores.sql.all<Record<string, unknown>>('select * from device_codes order by id desc'))[0] as Record<string, unknown> & { user_code?: string };

  it('§4: RFC 8414 metadata and OpenID discovery advertise the endpoint and the grant', async () => {
    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
      const doc = await (await fetch(`${t.url}${path}`)).json() as Record<string, unknown>;
      expect(doc.device_authorization_endpoint).to.equal(`${t.app.config.issuer}/o/device-authorization/`);
      expect(doc.grant_types_supported).to.include(GRANT);
    }
  });

  it('§3.1/§3.2: a public client gets a device code, an XXXX-XXXX user code, the verification URIs, expires_in and interval', async () => {
    const { client } = await setup();
    const res = await postForm(`${t.url}/o/device-authorization/`, { client_id: client.clientId, scope: 'read' });
    expect(res.status).to.equal(200);
    expect(res.headers.get('cache-control')).to.equal('no-store');
    const body = await res.json() as Record<string, string | number>;
    expect(body).to.have.all.keys('device_code', 'user_code', 'verification_uri', 'verification_uri_complete', 'expires_in', 'interval');
    expect(body.user_code).to.match(USER_CODE);
    expect(body.verification_uri).to.equal(`${t.app.config.issuer}/o/device/`);
    expect(body.verification_uri_complete).to.equal(`${t.app.config.issuer}/o/device/?user_code=${body.user_code}`);
    expect(body).to.include({ expires_in: 600, interval: 5 });
    // Stored hashed: neither code appears in the row.
    const r = await row();
    expect(JSON.stringify(r)).to.not.include(String(body.device_code)).and.not.include(String(body.user_code).replace('-', ''));
  });

  it('§3.2: a client not registered for the grant is unauthorized_client; a scope it may not have is invalid_scope', async () => {
    const user = await t.app.seed.user({ username: `o${randomBytes(3).toString('hex')}` });
    const { client } = await t.app.seed.client({ owner: user, clientType: 'public', tokenEndpointAuthMethod: 'none', grantTypes: ['authorization_code'], redirectUris: ['https://c.example/cb'] });
    const a = await postForm(`${t.url}/o/device-authorization/`, { client_id: client.clientId });
    expect([a.status, (await a.json() as { error: string }).error]).to.deep.equal([400, 'unauthorized_client']);
    const { client: d } = await setup();
    const b = await postForm(`${t.url}/o/device-authorization/`, { client_id: d.clientId, scope: 'write' });
    expect([b.status, (await b.json() as { error: string }).error]).to.deep.equal([400, 'invalid_scope']);
  });

  it('§3.5: authorization_pending, then slow_down when polled too fast (interval raised by 5 s and remembered); unknown codes are invalid_grant', async () => {
    const { client } = await setup();
    const d = await authorize(client.clientId);
    const first = await pollJson(client.clientId, String(d.device_code));
    expect([first.status, first.body.error]).to.deep.equal([400, 'authorization_pending']);
    const second = await pollJson(client.clientId, String(d.device_code));
    expect([second.status, second.body.error]).to.deep.equal([400, 'slow_down']);
    expect(Number((await row()).poll_interval)).to.equal(10);
    expect((await pollJson(client.clientId, String(d.device_code))).body.error).to.equal('slow_down');
    expect(Number((await row()).poll_interval)).to.equal(15);
    expect((await pollJson(client.clientId, 'not-a-device-code')).body.error).to.equal('invalid_grant');
    // A device code issued to another client is invalid_grant too.
    const { client: other } = await setup();
    expect((await pollJson(other.clientId, String(d.device_code))).body.error).to.equal('invalid_grant');
  });

  it('a device approved and then revoked by its user on the authorized-applications page gets access_denied, and nothing is issued (attacker read 8, F1)', async () => {
    const { client, browser, user } = await setup();
    const d = await authorize(client.clientId);
    expect((await decide(browser, String(d.user_code))).status).to.equal(200);
    const grant = (await t.app.stores.sql.get<{ id: number }>('select id from grants where user_id = ? and application_id = ?', [user.id, client.id]))!;
    const token = await browser.csrf(`/o/authorized_tokens/${grant.id}/delete/`);
    expect((await browser.post(`/o/authorized_tokens/${grant.id}/delete/`, { csrfmiddlewaretoken: token })).status).to.equal(302);
    await new Promise((r) => setTimeout(r, 10));
    const res = await pollJson(client.clientId, String(d.device_code));
    expect(res.status).to.equal(400);
    expect(res.body.error).to.equal('access_denied');
    expect(await t.app.stores.sql.all('select id from access_tokens where application_id = ?', [client.id])).to.deep.equal([]);
    expect(await t.app.stores.sql.all('select id from refresh_tokens where application_id = ?', [client.id])).to.deep.equal([]);
  });

  it('§3.3/§3.4: the prefilled link shows the consent page and approves nothing; Allow issues tokens (refresh and ID Token) exactly once', async () => {
    const { client, browser, user } = await setup();
    const d = await authorize(client.clientId);
    const anonymous = await new Browser(t.url).get(`/o/device/?user_code=${d.user_code}`);
    expect(anonymous.status).to.equal(302);
    expect(anonymous.headers.get('location')).to.match(/^\/accounts\/login\/\?next=/);
    // Case- and dash-insensitive (RFC 8628 §6.1).
    const page = await browser.get(`/o/device/?user_code=${String(d.user_code).toLowerCase().replace('-', '')}`);
    const html = await page.text();
    expect(page.status).to.equal(200);
    expect(html).to.include(client.name).and.include(String(d.user_code)).and.include('data-claims=');
    expect(page.headers.get('content-security-policy')).to.include("frame-ancestors 'none'");
    expect((await row()).status).to.equal('pending');
    const res = await browser.post('/o/device/', { csrfmiddlewaretoken: csrfFrom(html)!, user_code: String(d.user_code), allow: 'Authorize' });
    expect(res.status).to.equal(200);
    await new Promise((r) => setTimeout(r, 10));
    const ok = await pollJson(client.clientId, String(d.device_code));
    expect(ok.status).to.equal(200);
    expect(ok.body).to.include.keys('access_token', 'refresh_token', 'id_token');
    expect(ok.body.scope).to.equal('read openid profile');
    const claims = JSON.parse(Buffer.from(ok.body.id_token.split('.')[1], 'base64url').toString());
    expect(claims).to.include({ sub: String(user.id), aud: client.clientId });
    expect((await pollJson(client.clientId, String(d.device_code))).body.error).to.equal('invalid_grant');
    // The approval is bound: a second decision on the same code is refused.
    expect((await decideRaw(browser, String(d.user_code))).status).to.equal(400);
  });

  async function decideRaw(browser: Browser, userCode: string) {
    const token = await browser.csrf('/o/device/');
    return browser.post('/o/device/', { csrfmiddlewaretoken: token, user_code: userCode, allow: 'Authorize' });
  }

  it('§3.5: Deny makes the device get access_denied; an expired code gets expired_token', async () => {
    const { client, browser } = await setup();
    const d = await authorize(client.clientId);
    expect((await decide(browser, String(d.user_code), 'deny')).status).to.equal(200);
    expect((await pollJson(client.clientId, String(d.device_code))).body.error).to.equal('access_denied');
    const e = await authorize(client.clientId);
    await t.app.stores.sql.run('update device_codes set expires_at = ? where status = ?', [Date.now() - 1, 'pending']);
    expect((await pollJson(client.clientId, String(e.device_code))).body.error).to.equal('expired_token');
  });

  it('race: 20 concurrent polls after approval give exactly one token set, the others invalid_grant', async () => {
    const { client, browser } = await setup(['read']);
    const d = await authorize(client.clientId, 'read');
    expect((await decide(browser, String(d.user_code))).status).to.equal(200);
    const answers = await Promise.all(Array.from({ length: 20 }, () => pollJson(client.clientId, String(d.device_code))));
    expect(answers.filter((a) => a.status === 200)).to.have.length(1);
    expect(answers.filter((a) => a.status !== 200).map((a) => a.body.error)).to.deep.equal(Array(19).fill('invalid_grant'));
    const n = await t.app.stores.sql.all<{ n: number }>('select count(*) as n from access_tokens where application_id = ?', [client.id]);
    expect(Number(n[0].n)).to.equal(1);
  });

  it('race: two users approving one user code together: only one is bound', async () => {
    const a = await setup(['read']);
    const b = await setup(['read']);
    const d = await authorize(a.client.clientId, 'read');
    const [ta, tb] = await Promise.all([a.browser.csrf('/o/device/'), b.browser.csrf('/o/device/')]);
    const res = await Promise.all([
      a.browser.post('/o/device/', { csrfmiddlewaretoken: ta, user_code: String(d.user_code), allow: 'x' }),
      b.browser.post('/o/device/', { csrfmiddlewaretoken: tb, user_code: String(d.user_code), allow: 'x' }),
    ]);
    expect(res.map((r) => r.status).sort()).to.satisfy((s: number[]) => s[0] === 200 && s[1] !== 200);
    const bound = (await row()).user_id;
    expect(bound).to.equal(res[0].status === 200 ? a.user.id : b.user.id);
  });

  it('a non-administrator cannot approve the admin scope (privileges.ts): the device is refused', async () => {
    const admin = await t.app.seed.user({ username: `a${randomBytes(3).toString('hex')}`, isAdmin: true });
    const { client } = await t.app.seed.client({ owner: admin, clientType: 'public', tokenEndpointAuthMethod: 'none', grantTypes: [GRANT as never], allowedScopes: ['read', 'admin'] });
    const { browser } = await setup();
    const d = await authorize(client.clientId, 'admin');
    expect((await decide(browser, String(d.user_code))).status).to.equal(403);
    expect((await pollJson(client.clientId, String(d.device_code))).body.error).to.equal('access_denied');
  });

  it('§5.1: wrong user codes are throttled per source (consumed before the check): then even the right code is refused', async () => {
    // A server of its own: the other tests' refused decisions count against this source too.
    const main = t;
    t = await createTestApp();
    try { await throttled(); } finally { await t.close(); t = main; }
  });

  async function throttled() {
    const { client, browser } = await setup(['read']);
    const d = await authorize(client.clientId, 'read');
    for (let i = 0; i < USER_CODE_FAILURES_PER_SOURCE; i++) {
      expect((await browser.get(`/o/device/?user_code=BCDF-GHJK${i}`)).status).to.be.oneOf([400]);
    }
    const refused = await browser.get(`/o/device/?user_code=${d.user_code}`);
    expect(refused.status).to.equal(429);
    expect(refused.headers.get('retry-after')).to.match(/^\d+$/);
    // The device code is untouched: still pending for the device.
    expect((await pollJson(client.clientId, String(d.device_code))).body.error).to.equal('authorization_pending');
  }
});
