import { expect } from 'chai';
import { createHmac, createSign, generateKeyPairSync } from 'node:crypto';
import OAuth from 'oauth-1.0a';
import { createTestApp, csrfFrom, type TestServer } from '../helpers.ts';
import { codeFlowSetup } from '../oauth-helpers.ts';

type Method = 'HMAC-SHA1' | 'HMAC-SHA256' | 'RSA-SHA1' | 'PLAINTEXT';

/** An OAuth 1.0a consumer built on the npm `oauth-1.0a` package, as a client application would. */
function consumer(key: string, secret: string, method: Method = 'HMAC-SHA1', privateKey?: string) {
  return new OAuth({
    consumer: { key, secret },
    signature_method: method,
    hash_function(base, signingKey) {
      if (method === 'HMAC-SHA256') return createHmac('sha256', signingKey).update(base).digest('base64');
      if (method === 'RSA-SHA1') return createSign('RSA-SHA1').update(base).sign(privateKey!, 'base64');
      if (method === 'PLAINTEXT') return signingKey;
      return createHmac('sha1', signingKey).update(base).digest('base64');
    },
  });
}

async function signed(o: OAuth, url: string, method: string, data: Record<string, string> = {}, token?: OAuth.Token, bodyOverride?: string) {
  const auth = o.toHeader(o.authorize({ url, method, data }, token));
  const body = Object.entries(data).filter(([k]) => !k.startsWith('oauth_'));
  return fetch(url, {
    method,
    headers: { ...auth, ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    body: method === 'POST' ? bodyOverride ?? new URLSearchParams(body).toString() : undefined,
  });
}

const form = async (res: Response) => Object.fromEntries(new URLSearchParams(await res.text()));

describe('e2e: RFC 5849 three-legged flow with the oauth-1.0a client library', () => {
  let srv: TestServer;
  let setup: Awaited<ReturnType<typeof codeFlowSetup>>;
  const CALLBACK = 'https://consumer.example/cb';
  beforeEach(async () => {
    srv = await createTestApp();
    setup = await codeFlowSetup(srv, { redirectUris: [CALLBACK], oauth1Enabled: true, name: 'Photo printer' });
  });
  afterEach(() => srv.close());

  /** initiate → consent page (Allow) → token exchange; returns the token credentials. */
  async function threeLegs(o = consumer(setup.client.clientId, setup.secret!)) {
    const init = await signed(o, `${srv.url}/oauth1/initiate`, 'POST', { oauth_callback: CALLBACK });
    expect(init.status).to.equal(200);
    expect(init.headers.get('content-type')).to.match(/application\/x-www-form-urlencoded/);
    const temp = await form(init);
    expect(temp.oauth_callback_confirmed).to.equal('true');
    const page = await setup.browser.get(`/oauth1/authorize?oauth_token=${encodeURIComponent(temp.oauth_token)}`);
    expect(page.status).to.equal(200);
    expect(page.headers.get('content-security-policy')).to.include("frame-ancestors 'none'");
    const html = await page.text();
    expect(html).to.include('Photo printer');
    const decision = await setup.browser.post('/oauth1/authorize', { csrfmiddlewaretoken: csrfFrom(html)!, oauth_token: temp.oauth_token, allow: 'Authorize' });
    expect(decision.status).to.equal(302);
    const back = new URL(decision.headers.get('location')!);
    expect(`${back.origin}${back.pathname}`).to.equal(CALLBACK);
    expect(back.searchParams.get('oauth_token')).to.equal(temp.oauth_token);
    const verifier = back.searchParams.get('oauth_verifier')!;
    const tokenRes = await signed(o, `${srv.url}/oauth1/token`, 'POST', { oauth_verifier: verifier }, { key: temp.oauth_token, secret: temp.oauth_token_secret });
    expect(tokenRes.status).to.equal(200);
    const creds = await form(tokenRes);
    return { o, temp, verifier, token: { key: creds.oauth_token, secret: creds.oauth_token_secret } };
  }

  it('a pairwise client is not told the username over OAuth 1 either (/api/oauth1/user, /api/hello), as over OAuth 2 (attacker read 21, F2)', async () => {
    const pairwise = await codeFlowSetup(srv, { redirectUris: [CALLBACK], oauth1Enabled: true, name: 'Photo printer', subjectType: 'pairwise' });
    setup = pairwise;
    const { o, token } = await threeLegs(consumer(pairwise.client.clientId, pairwise.secret!));
    const user = await signed(o, `${srv.url}/api/oauth1/user`, 'GET', {}, token);
    expect(user.status).to.equal(200);
    expect(await user.json()).to.deep.equal({});
    const hello = await (await signed(o, `${srv.url}/api/hello`, 'GET', {}, token)).json();
    expect(hello.message).to.equal('Hello, OAuth1!');
    expect(hello).to.not.have.property('user');
  });

  it('completes the three legs through the login and consent pages and calls the protected resources', async () => {
    const { o, token } = await threeLegs();
    const user = await signed(o, `${srv.url}/api/oauth1/user`, 'GET', {}, token);
    expect(user.status).to.equal(200);
    expect(await user.json()).to.deep.equal({ username: setup.user.username });
    const hello = await signed(o, `${srv.url}/api/hello`, 'GET', {}, token);
    expect((await hello.json()).message).to.equal('Hello, OAuth1!');
    const stored = await srv.app.stores.sql.all<any>('select secret_sealed, token_hash from oauth1_tokens');
    expect(JSON.stringify(stored)).not.to.include(token.secret);
    expect(JSON.stringify(stored)).not.to.include(token.key);
  });

  for (const method of ['HMAC-SHA256', 'PLAINTEXT'] as const) {
    it(`accepts ${method} signatures`, async () => {
      const { o, token } = await threeLegs(consumer(setup.client.clientId, setup.secret!, method));
      expect((await signed(o, `${srv.url}/api/oauth1/user`, 'GET', {}, token)).status).to.equal(200);
    });
  }

  it('accepts RSA-SHA1 from a consumer that registered its public key', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
    const rsa = await srv.app.seed.client({ owner: setup.user, name: 'Photo printer', clientType: 'public', redirectUris: [CALLBACK], oauth1Enabled: true, rsaPublicKey: publicKey });
    const o = consumer(rsa.client.clientId, '', 'RSA-SHA1', privateKey);
    const { token } = await threeLegs(o);
    expect((await signed(o, `${srv.url}/api/oauth1/user`, 'GET', {}, token)).status).to.equal(200);
    // HMAC with the empty secret of an RSA-only consumer proves nothing.
    const forged = consumer(rsa.client.clientId, '', 'HMAC-SHA1');
    expect((await signed(forged, `${srv.url}/api/oauth1/user`, 'GET', {}, token)).status).to.equal(401);
  });

  it('refuses PLAINTEXT over plain http when insecure transport is off', async () => {
    await srv.close();
    srv = await createTestApp({ allowInsecureTransport: false, issuer: 'https://gatehouse.test' });
    const owner = await srv.app.seed.user({ username: 'p' });
    const c = await srv.app.seed.client({ owner, redirectUris: [CALLBACK], oauth1Enabled: true });
    const res = await signed(consumer(c.client.clientId, c.clientSecret!, 'PLAINTEXT'), `${srv.url}/oauth1/initiate`, 'POST', { oauth_callback: CALLBACK });
    expect(res.status).to.equal(400);
    expect((await res.json()).error).to.equal('signature_method_rejected');
  });

  it('rejects a replayed nonce, a stale timestamp, a tampered body and a bad signature with 401 and WWW-Authenticate', async () => {
    const { o, token } = await threeLegs();
    const url = `${srv.url}/api/oauth1/user`;
    const header = o.toHeader(o.authorize({ url, method: 'GET' }, token));
    expect((await fetch(url, { headers: { ...header } })).status).to.equal(200);
    const replay = await fetch(url, { headers: { ...header } });
    expect(replay.status).to.equal(401);
    expect(replay.headers.get('www-authenticate')).to.equal('OAuth realm="gatehouse"');
    expect((await replay.json()).error).to.equal('nonce_used');
    const stale = consumer(setup.client.clientId, setup.secret!);
    stale.getTimeStamp = () => Math.floor(Date.now() / 1000) - 3600;
    const old = await signed(stale, url, 'GET', {}, token);
    expect([old.status, (await old.json()).error]).to.deep.equal([401, 'timestamp_refused']);
    const tampered = await signed(o, `${srv.url}/oauth1/initiate`, 'POST', { oauth_callback: CALLBACK, a: '1' }, undefined, 'a=2');
    expect([tampered.status, (await tampered.json()).error]).to.deep.equal([401, 'signature_invalid']);
    const wrong = await signed(consumer(setup.client.clientId, 'not-the-secret'), url, 'GET', {}, token);
    expect(wrong.status).to.equal(401);
    const unknown = await signed(consumer('nobody', 'x'), url, 'GET', {}, token);
    expect([unknown.status, (await unknown.json()).error]).to.deep.equal([401, 'consumer_key_unknown']);
  });

  it('answers missing or duplicated parameters with 400', async () => {
    const res = await fetch(`${srv.url}/oauth1/initiate`, { method: 'POST', headers: { authorization: `OAuth oauth_consumer_key="${setup.client.clientId}"` } });
    expect([res.status, (await res.json()).error]).to.deep.equal([400, 'parameter_absent']);
    const dup = await fetch(`${srv.url}/oauth1/initiate?oauth_nonce=a&oauth_nonce=b`, { method: 'POST' });
    expect(dup.status).to.equal(400);
  });

  it('exchanges a verifier once: a wrong verifier and a reused one are refused', async () => {
    const o = consumer(setup.client.clientId, setup.secret!);
    const { temp, verifier } = await threeLegs(o);
    const again = await signed(o, `${srv.url}/oauth1/token`, 'POST', { oauth_verifier: verifier }, { key: temp.oauth_token, secret: temp.oauth_token_secret });
    expect(again.status).to.equal(401);
    const init = await form(await signed(o, `${srv.url}/oauth1/initiate`, 'POST', { oauth_callback: 'oob' }));
    const page = await (await setup.browser.get(`/oauth1/authorize?oauth_token=${encodeURIComponent(init.oauth_token)}`)).text();
    const oob = await setup.browser.post('/oauth1/authorize', { csrfmiddlewaretoken: csrfFrom(page)!, oauth_token: init.oauth_token, allow: 'Authorize' });
    expect(oob.status).to.equal(200);
    expect(await oob.text()).to.include('data-testid="oauth1-verifier"');
    const bad = await signed(o, `${srv.url}/oauth1/token`, 'POST', { oauth_verifier: 'wrong' }, { key: init.oauth_token, secret: init.oauth_token_secret });
    expect([bad.status, (await bad.json()).error]).to.deep.equal([401, 'verifier_invalid']);
  });

  it('refuses an unregistered callback, and a denied authorization sends user_refused', async () => {
    const o = consumer(setup.client.clientId, setup.secret!);
    expect((await signed(o, `${srv.url}/oauth1/initiate`, 'POST', { oauth_callback: 'https://evil.example/cb' })).status).to.equal(400);
    const temp = await form(await signed(o, `${srv.url}/oauth1/initiate`, 'POST', { oauth_callback: CALLBACK }));
    const page = await (await setup.browser.get(`/oauth1/authorize?oauth_token=${encodeURIComponent(temp.oauth_token)}`)).text();
    const deny = await setup.browser.post('/oauth1/authorize', { csrfmiddlewaretoken: csrfFrom(page)!, oauth_token: temp.oauth_token, deny: 'Deny' });
    expect(new URL(deny.headers.get('location')!).searchParams.get('oauth_problem')).to.equal('user_refused');
    expect((await setup.browser.get(`/oauth1/authorize?oauth_token=${encodeURIComponent(temp.oauth_token)}`)).status).to.equal(400);
  });

  it('lists OAuth 1 credentials under authorized applications and in GraphQL grants; revoking them works like OAuth 2', async () => {
    const { o, token } = await threeLegs();
    const list = await (await setup.browser.get('/o/authorized_tokens/')).text();
    const id = /\/o\/authorized_tokens\/(\d+)\/delete\//.exec(list)![1];
    const { gql } = await import('../graphql/gql-helpers.ts');
    const admin = await srv.app.seed.user({ username: 'root', isAdmin: true });
    const c = await srv.app.seed.client({ owner: admin, grantTypes: ['password'], allowedScopes: ['admin'] });
    const { postForm } = await import('../oauth-helpers.ts');
    const at = (await (await postForm(`${srv.url}/o/token/`, { grant_type: 'password', username: 'root', password: admin.password, scope: 'admin' }, { id: c.client.clientId, secret: c.clientSecret! })).json()).access_token;
    const g = await gql(srv.url, at)(`{ grants(userId: "${setup.user.id}") { nodes { id liveTokens { kind } } } }`);
    expect(g.data.grants.nodes[0].liveTokens.map((t: { kind: string }) => t.kind)).to.include('OAUTH1');
    const confirm = await (await setup.browser.get(`/o/authorized_tokens/${id}/delete/`)).text();
    await setup.browser.post(`/o/authorized_tokens/${id}/delete/`, { csrfmiddlewaretoken: csrfFrom(confirm)! });
    const after = await signed(o, `${srv.url}/api/oauth1/user`, 'GET', {}, token);
    expect([after.status, (await after.json()).error]).to.deep.equal([401, 'token_rejected']);
  });

  it('gives exactly one success to 50 concurrent requests with one nonce', async () => {
    const { o, token } = await threeLegs();
    const url = `${srv.url}/api/oauth1/user`;
    const header = o.toHeader(o.authorize({ url, method: 'GET' }, token));
    const results = await Promise.all(Array.from({ length: 50 }, () => fetch(url, { headers: { ...header } })));
    expect(results.filter((r) => r.status === 200)).to.have.length(1);
  });
});

// RFC 5849 §2.1: each initiate stores temporary credentials (and its nonce), and any account may make a consumer
// (attacker read 21, F7: 3,000 initiates stored 3,000 rows in 2.7 s). Counted per source before anything is stored.
describe('e2e: OAuth 1.0a temporary credentials: a budget per source', () => {
  let srv: TestServer;
  before(async () => { srv = await createTestApp({ rateLimit: { oauth1InitiatesPerSource: 3 } }); });
  after(() => srv.close());

  it('6 concurrent initiates from one source store 3 credentials and 3 nonces; the rest get 429 with Retry-After', async () => {
    const setup = await codeFlowSetup(srv, { redirectUris: ['https://consumer.example/cb'], oauth1Enabled: true });
    const count = async (table: string) => Number((await srv.app.stores.sql.all<{ n: number }>(`select count(*) as n from ${table}`))[0].n);
    const [tokens, nonces] = [await count('oauth1_tokens'), await count('oauth1_nonces')];
    const o = consumer(setup.client.clientId, setup.secret!);
    const answers = await Promise.all(Array.from({ length: 6 }, () => signed(o, `${srv.url}/oauth1/initiate`, 'POST', { oauth_callback: 'oob' })));
    expect(answers.map((r) => r.status).sort()).to.deep.equal([200, 200, 200, 429, 429, 429]);
    const refused = answers.find((r) => r.status === 429)!;
    expect(Number(refused.headers.get('retry-after'))).to.be.within(1, 60);
    expect((await refused.json()).error).to.equal('temporarily_unavailable');
    expect(await count('oauth1_tokens')).to.equal(tokens + 3);
    // Nonces are kept in the database, or in Redis when there is one (then this table stays empty).
    if (!process.env.REDIS_URL) expect(await count('oauth1_nonces')).to.equal(nonces + 3);
  });
});
