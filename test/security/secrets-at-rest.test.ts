import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import { Redis } from 'ioredis';
import OAuth from 'oauth-1.0a';
import { Browser, createTestApp, csrfFrom, testIdValue, type TestServer } from '../helpers.ts';
import { codeFlowSetup } from '../oauth-helpers.ts';

/** Everything the server keeps for browser sessions (rows, or Redis values), as one string. */
async function sessionStore(srv: TestServer): Promise<string> {
  const { redisUrl, redisPrefix } = srv.app.config;
  if (redisUrl) return JSON.stringify(await redisValues(redisUrl, `${redisPrefix}session:*`));
  return JSON.stringify(await srv.app.stores.sql.all('select * from sessions'));
}

async function redisValues(url: string, pattern: string): Promise<Record<string, string | null>> {
  const redis = new Redis(url, { lazyConnect: true });
  await redis.connect();
  try {
    const keys = await redis.keys(pattern);
    return Object.fromEntries(await Promise.all(keys.map(async (k) => [k, await redis.get(k)] as const)));
  } finally { redis.disconnect(); }
}

describe('security: secrets do not wait at rest (issue 17 #11, #12)', () => {
  let srv: TestServer;
  beforeEach(async () => { srv = await createTestApp(); });
  afterEach(() => srv.close());

  describe('#11 a new client secret is shown once and never parked in the session store', () => {
    async function loggedIn() {
      await srv.app.seed.user({ username: 'sam', password: 'correct horse battery' });
      const b = new Browser(srv.url);
      expect((await b.login('sam', 'correct horse battery')).status).to.equal(302);
      return b;
    }

    async function expectShownOnce(b: Browser, detailUrl: string, storeAfterPost: string) {
      const first = await b.get(detailUrl);
      expect(first.status).to.equal(200);
      expect(first.headers.get('cache-control')).to.equal('no-store');
      const secret = testIdValue(await first.text(), 'client-secret');
      expect(secret, 'the user sees the secret').to.match(/^[\w-]{32,}$/);
      expect(storeAfterPost, 'session store after the POST').to.not.include(secret!);
      expect(await sessionStore(srv), 'session store after the page').to.not.include(secret!);
      for (const c of b.cookies.values()) expect(c, 'a cookie in clear').to.not.include(secret!);
      expect(testIdValue(await (await b.get(detailUrl)).text(), 'client-secret'), 'shown a second time').to.equal(undefined);
      return secret!;
    }

    it('registering: the secret is neither in the session row/key after the POST nor after the page', async () => {
      const b = await loggedIn();
      const res = await b.post('/o/applications/register/', {
        ...(await b.formFields('/o/applications/register/')), name: 'Mine', client_type: 'confidential',
        grant_types: 'authorization_code', redirect_uris: 'https://app.example/cb', allowed_scopes: ['read'],
      });
      expect(res.status).to.equal(302);
      const detailUrl = res.headers.get('location')!;
      const store = await sessionStore(srv);
      expect(store).to.not.include('revealSecret');
      await expectShownOnce(b, detailUrl, store);
    });

    it('rotating: the same', async () => {
      const b = await loggedIn();
      const res = await b.post('/o/applications/register/', {
        ...(await b.formFields('/o/applications/register/')), name: 'Mine', client_type: 'confidential',
        grant_types: 'authorization_code', redirect_uris: 'https://app.example/cb', allowed_scopes: ['read'],
      });
      const detailUrl = res.headers.get('location')!;
      const page = await (await b.get(detailUrl)).text();
      const rotated = await b.post(`${detailUrl}rotate-secret/`, { csrfmiddlewaretoken: csrfFrom(page)! });
      expect(rotated.status).to.equal(302);
      await expectShownOnce(b, detailUrl, await sessionStore(srv));
    });

    it('another logged-in user cannot read it, and a replayed reveal cookie shows nothing', async () => {
      const b = await loggedIn();
      const res = await b.post('/o/applications/register/', {
        ...(await b.formFields('/o/applications/register/')), name: 'Mine', client_type: 'confidential',
        grant_types: 'authorization_code', redirect_uris: 'https://app.example/cb', allowed_scopes: ['read'],
      });
      const detailUrl = res.headers.get('location')!;
      const saved = new Map(b.cookies);
      const secret = testIdValue(await (await b.get(detailUrl)).text(), 'client-secret')!;
      expect(secret).to.be.a('string');
      // The same browser replays the cookies it had before the first view: still nothing.
      const replay = new Browser(srv.url);
      for (const [k, v] of saved) replay.cookies.set(k, v);
      expect(await (await replay.get(detailUrl)).text()).to.not.include(secret);
    });
  });

  describe('#12 OAuth 1 nonces do not keep the oauth_token', () => {
    it('after signed requests with temporary and access tokens, no nonce row or key holds either token', async () => {
      const CALLBACK = 'https://consumer.example/cb';
      const setup = await codeFlowSetup(srv, { redirectUris: [CALLBACK], oauth1Enabled: true });
      const o = new OAuth({ consumer: { key: setup.client.clientId, secret: setup.secret! }, signature_method: 'HMAC-SHA1', hash_function: (base, key) => createHmac('sha1', key).update(base).digest('base64') });
      const signed = (url: string, method: string, data: Record<string, string>, token?: OAuth.Token) => fetch(url, {
        method, headers: { ...o.toHeader(o.authorize({ url, method, data }, token)), ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
        body: method === 'POST' ? new URLSearchParams(Object.entries(data).filter(([k]) => !k.startsWith('oauth_'))).toString() : undefined,
      });
      const temp = Object.fromEntries(new URLSearchParams(await (await signed(`${srv.url}/oauth1/initiate`, 'POST', { oauth_callback: CALLBACK })).text()));
      const page = await (await setup.browser.get(`/oauth1/authorize?oauth_token=${encodeURIComponent(temp.oauth_token)}`)).text();
      const back = await setup.browser.post('/oauth1/authorize', { csrfmiddlewaretoken: csrfFrom(page)!, oauth_token: temp.oauth_token, allow: 'Authorize' });
      const verifier = new URL(back.headers.get('location')!).searchParams.get('oauth_verifier')!;
      const res = await signed(`${srv.url}/oauth1/token`, 'POST', { oauth_verifier: verifier }, { key: temp.oauth_token, secret: temp.oauth_token_secret });
      expect(res.status).to.equal(200);
      const access = Object.fromEntries(new URLSearchParams(await res.text()));
      expect((await signed(`${srv.url}/api/oauth1/user`, 'GET', {}, { key: access.oauth_token, secret: access.oauth_token_secret })).status).to.equal(200);

      const { redisUrl, redisPrefix } = srv.app.config;
      const stored = JSON.stringify(await srv.app.stores.sql.all('select * from oauth1_nonces'))
        + (redisUrl ? JSON.stringify(Object.entries(await redisValues(redisUrl, `${redisPrefix}*nonce*`))) : '');
      if (!redisUrl) expect(JSON.parse(JSON.stringify(await srv.app.stores.sql.all('select * from oauth1_nonces')))).to.have.length(3);
      for (const token of [temp.oauth_token, access.oauth_token]) expect(stored).to.not.include(token);
    });
  });
});
