import { expect } from 'chai';
import { createHmac, randomBytes } from 'node:crypto';
import OAuth from 'oauth-1.0a';
import { Browser, createTestApp, csrfFrom, type TestServer } from '../helpers.ts';
import { codeFlowSetup, getCode, pkcePair, postForm, redirectedRefusal } from '../oauth-helpers.ts';

// Second read 11, B: an authorization that ends (its grant revoked, its user deactivated) while it is being given is
// answered to whoever asked in their own terms: the client at its validated redirect_uri (RFC 6749 §4.1.2.1
// access_denied), the person on a page that says nothing was authorized, never a bare 400 invalid_grant.

const CALLBACK = 'https://client.example.com/cb';
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

describe('An authorization that ends while it is being given (second read 11, B)', () => {
  let srv: TestServer;
  before(async () => { srv = await createTestApp(); });
  after(() => srv.close());

  it('RFC 6749 §4.1.2.1: an auto-approved GET whose grant is revoked before its code is written redirects access_denied (with state and iss), without a code', async () => {
    const setup = await codeFlowSetup(srv);
    await getCode(setup); // the grant exists, so the same request is approved without a page (approvalPrompt auto)
    const tokens = srv.app.stores.tokens;
    tokens.saveCode = (async (c: Parameters<typeof tokens.saveCode>[0]) => {
      await tokens.revokeByGrant(c.grantId!, Date.now());
      return Object.getPrototypeOf(tokens).saveCode.call(tokens, c);
    }) as typeof tokens.saveCode;
    let res: Response;
    try {
      const { challenge } = pkcePair();
      res = await setup.browser.get(`/o/authorize/?${new URLSearchParams({ response_type: 'code', client_id: setup.client.clientId, redirect_uri: CALLBACK, scope: 'read', state: 'st', code_challenge: challenge, code_challenge_method: 'S256' })}`);
    } finally { delete (tokens as { saveCode?: unknown }).saveCode; }
    expect(redirectedRefusal(res, { issuer: srv.app.config.issuer, state: 'st' }).get('error')).to.equal('access_denied');
  });

  it('RFC 8628 §3.3: a device approval whose user is deactivated meanwhile shows a page that nothing was authorized (403 access_denied), and binds nothing', async () => {
    const user = await srv.app.seed.user({ username: `d${randomBytes(3).toString('hex')}` });
    const { client } = await srv.app.seed.client({ owner: user, clientType: 'public', tokenEndpointAuthMethod: 'none', grantTypes: [DEVICE_GRANT as never], allowedScopes: ['read'] });
    const browser = new Browser(srv.url);
    await browser.login(user.username, user.password);
    const d = await (await postForm(`${srv.url}/o/device-authorization/`, { client_id: client.clientId, scope: 'read' })).json() as Record<string, string>;
    const html = await (await browser.get(`/o/device/?user_code=${encodeURIComponent(d.user_code)}`)).text();
    const devices = srv.app.stores.devices;
    devices.decide = (async (...args: Parameters<typeof devices.decide>) => {
      await srv.app.stores.users.setActive(user.id, false);
      return Object.getPrototypeOf(devices).decide.apply(devices, args);
    }) as typeof devices.decide;
    let res: Response;
    try {
      res = await browser.post('/o/device/', { csrfmiddlewaretoken: csrfFrom(html)!, user_code: d.user_code, allow: 'Authorize' });
    } finally { delete (devices as { decide?: unknown }).decide; }
    expect(res.status).to.equal(403);
    expect(res.headers.get('content-type')).to.match(/^text\/html/);
    const page = await res.text();
    expect(page).to.include('<code>access_denied</code>').and.not.include('invalid_grant');
    expect(await srv.app.stores.sql.all('select id from grants where user_id = ? and revoked_at is null', [user.id]), 'live grants').to.deep.equal([]);
    const poll = await postForm(`${srv.url}/o/token/`, { grant_type: DEVICE_GRANT, device_code: d.device_code, client_id: client.clientId });
    expect(poll.status, 'the device gets no token').to.equal(400);
  });

  it('RFC 5849 §2.2: an OAuth 1 approval whose grant is revoked meanwhile shows a page that nothing was authorized (403 access_denied), without a redirect', async () => {
    const s = await codeFlowSetup(srv, { oauth1Enabled: true });
    const o = new OAuth({ consumer: { key: s.client.clientId, secret: s.secret! }, signature_method: 'HMAC-SHA1', hash_function: (base, k) => createHmac('sha1', k).update(base).digest('base64') });
    const url = `${srv.url}/oauth1/initiate`;
    const initiate = await fetch(url, { method: 'POST', headers: { ...o.toHeader(o.authorize({ url, method: 'POST', data: { oauth_callback: CALLBACK } })) } });
    const temp = Object.fromEntries(new URLSearchParams(await initiate.text()));
    const html = await (await s.browser.get(`/oauth1/authorize?oauth_token=${encodeURIComponent(temp.oauth_token)}`)).text();
    const store = srv.app.stores.oauth1;
    store.approveTemporary = (async (...args: Parameters<typeof store.approveTemporary>) => {
      await srv.app.stores.tokens.revokeByGrant(args[3], Date.now());
      return Object.getPrototypeOf(store).approveTemporary.apply(store, args);
    }) as typeof store.approveTemporary;
    let res: Response;
    try {
      res = await s.browser.post('/oauth1/authorize', { csrfmiddlewaretoken: csrfFrom(html)!, oauth_token: temp.oauth_token, allow: 'Authorize' });
    } finally { delete (store as { approveTemporary?: unknown }).approveTemporary; }
    expect(res.status).to.equal(403);
    expect(res.headers.get('location')).to.equal(null);
    expect(await res.text()).to.include('<code>access_denied</code>').and.not.include('invalid_grant');
    expect(await srv.app.stores.sql.all("select id from oauth1_tokens where token_hash is not null and verifier_hash is not null and revoked_at is null and kind = 'temporary' and application_id = ?", [s.client.id]), 'bound temporary credentials').to.deep.equal([]);
  });
});
