import { expect } from 'chai';
import { createTestApp, type TestServer } from '../../helpers.ts';
import { postForm } from '../../oauth-helpers.ts';
import { dpopKey, proof, type DpopKey } from './proofs.ts';

/** RFC 9449 §7: Gatehouse's own protected resources (requireToken: /api/hello, UserInfo) with DPoP-bound tokens. */
describe('RFC 9449 §7 DPoP at protected resources (requireToken)', () => {
  let srv: TestServer;
  let cc: { id: string; secret: string };
  let key: DpopKey;
  let hello: string;
  before(async () => {
    srv = await createTestApp();
    hello = `${srv.url}/api/hello`;
    const owner = await srv.app.seed.user({ username: 'owner', password: 'owner-password' });
    const { client, clientSecret } = await srv.app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: [], allowedScopes: ['read'] });
    cc = { id: client.clientId, secret: clientSecret! };
    key = await dpopKey();
  });
  after(() => srv.close());

  async function boundToken(k: DpopKey = key): Promise<string> {
    const token = `${srv.url}/o/token/`;
    const body = await (await postForm(token, { grant_type: 'client_credentials' }, cc, { DPoP: await proof(k, { htu: token }) })).json();
    expect(body.token_type).to.equal('DPoP');
    return body.access_token;
  }
  const call = (headers: Record<string, string>, url = hello) => fetch(url, { headers });
  function challengeOf(res: Response): string { return res.headers.get('www-authenticate') ?? ''; }

  it('answers a DPoP-bound token presented with the DPoP scheme and a proof with ath', async () => {
    const at = await boundToken();
    const res = await call({ Authorization: `DPoP ${at}`, DPoP: await proof(key, { htm: 'GET', htu: hello, accessToken: at }) });
    expect(res.status).to.equal(200);
    expect((await res.json()).client_id).to.equal(cc.id);
  });

  it('refuses a DPoP-bound token presented as Bearer: 401 invalid_token with a DPoP challenge', async () => {
    const at = await boundToken();
    const res = await call({ Authorization: `Bearer ${at}` });
    expect(res.status).to.equal(401);
    expect((await res.json()).error).to.equal('invalid_token');
    expect(challengeOf(res)).to.match(/^DPoP /).and.to.include('error="invalid_token"').and.to.match(/algs="[^"]*ES256/);
  });

  it('refuses the DPoP scheme without a proof: invalid_dpop_proof', async () => {
    const at = await boundToken();
    const res = await call({ Authorization: `DPoP ${at}` });
    expect(res.status).to.equal(401);
    expect((await res.json()).error).to.equal('invalid_dpop_proof');
    expect(challengeOf(res)).to.match(/^DPoP /).and.to.include('error="invalid_dpop_proof"').and.to.include('algs="');
  });

  it('answers a malformed DPoP credential with invalid_token and a DPoP challenge', async () => {
    for (const authorization of ['DPoP', 'DPoP a b', 'DPoP ä']) {
      const res = await call({ Authorization: authorization });
      expect(res.status, authorization).to.equal(401);
      expect(challengeOf(res), authorization).to.match(/^DPoP /).and.to.include('error="invalid_token"');
    }
  });

  it('refuses a proof without ath (§4.3 check 12)', async () => {
    const at = await boundToken();
    const res = await call({ Authorization: `DPoP ${at}`, DPoP: await proof(key, { htm: 'GET', htu: hello }) });
    expect(res.status).to.equal(401);
    expect(challengeOf(res)).to.include('error="invalid_dpop_proof"');
  });

  it('refuses a proof whose ath is another token\'s', async () => {
    const at = await boundToken();
    const other = await boundToken();
    const res = await call({ Authorization: `DPoP ${at}`, DPoP: await proof(key, { htm: 'GET', htu: hello, accessToken: other }) });
    expect(res.status).to.equal(401);
    expect(challengeOf(res)).to.include('error="invalid_dpop_proof"');
  });

  it('refuses key substitution: a token bound to key A with a proof from key B', async () => {
    const at = await boundToken(key);
    const attacker = await dpopKey();
    const res = await call({ Authorization: `DPoP ${at}`, DPoP: await proof(attacker, { htm: 'GET', htu: hello, accessToken: at }) });
    expect(res.status).to.equal(401);
    expect((await res.json()).error).to.equal('invalid_dpop_proof');
    expect(challengeOf(res)).to.match(/^DPoP /);
  });

  it('refuses a replayed resource proof, and one for another method or URI', async () => {
    const at = await boundToken();
    const p = await proof(key, { htm: 'GET', htu: hello, accessToken: at });
    expect((await call({ Authorization: `DPoP ${at}`, DPoP: p })).status).to.equal(200);
    expect((await call({ Authorization: `DPoP ${at}`, DPoP: p })).status).to.equal(401);
    expect((await call({ Authorization: `DPoP ${at}`, DPoP: await proof(key, { htm: 'POST', htu: hello, accessToken: at }) })).status).to.equal(401);
    expect((await call({ Authorization: `DPoP ${at}`, DPoP: await proof(key, { htm: 'GET', htu: `${srv.url}/o/userinfo`, accessToken: at }) })).status).to.equal(401);
  });

  it('refuses a bearer token presented with the DPoP scheme (it is not bound)', async () => {
    const bearer = (await (await postForm(`${srv.url}/o/token/`, { grant_type: 'client_credentials' }, cc)).json()).access_token;
    const res = await call({ Authorization: `DPoP ${bearer}`, DPoP: await proof(key, { htm: 'GET', htu: hello, accessToken: bearer }) });
    expect(res.status).to.equal(401);
    expect((await res.json()).error).to.equal('invalid_token');
    // The bearer token itself still works as a bearer token.
    expect((await call({ Authorization: `Bearer ${bearer}` })).status).to.equal(200);
  });

  it('§7.1: a request without any token gets both challenges, Bearer and DPoP algs, at /api/*, UserInfo and the GraphQL API', async () => {
    const algs = `algs="${(await (await fetch(`${srv.url}/.well-known/oauth-authorization-server`)).json()).dpop_signing_alg_values_supported.join(' ')}"`;
    const metadata = `resource_metadata="${srv.app.config.issuer}/.well-known/oauth-protected-resource"`;
    const cases: [string, RequestInit, string][] = [
      ['/api/hello', {}, ''],
      ['/o/userinfo/', {}, 'scope="openid", '],
      ['/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ viewer { id } }"}' }, ''],
    ];
    for (const [path, init, scope] of cases) {
      const res = await fetch(`${srv.url}${path}`, init);
      expect(res.status, path).to.equal(401);
      // RFC 9110 §11.6.1: one comma-joined list; RFC 6750 §3.1: no error attribute without a token.
      expect(challengeOf(res), path).to.equal(`Bearer realm="gatehouse", ${scope}${metadata}, DPoP realm="gatehouse", ${scope}${metadata}, ${algs}`);
    }
  });

  it('refuses a DPoP token also sent in the body (one place only, RFC 6750 §2)', async () => {
    const at = await boundToken();
    const res = await fetch(`${srv.url}/api/verify`, { method: 'POST', headers: { Authorization: `DPoP ${at}`, DPoP: await proof(key, { htu: `${srv.url}/api/verify`, accessToken: at }), 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ access_token: at }) });
    expect(res.status).to.equal(400);
  });
});

describe('RFC 9449 §9 server nonces at protected resources', () => {
  let srv: TestServer;
  before(async () => { srv = await createTestApp({ dpop: { requireNonce: true } }); });
  after(() => srv.close());

  it('answers 401 use_dpop_nonce with DPoP-Nonce, then accepts the proof carrying it', async () => {
    const owner = await srv.app.seed.user({ username: 'owner', password: 'owner-password' });
    const { client, clientSecret } = await srv.app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: [], allowedScopes: ['read'] });
    const cc = { id: client.clientId, secret: clientSecret! };
    const key = await dpopKey();
    const token = `${srv.url}/o/token/`;
    const first = await postForm(token, { grant_type: 'client_credentials' }, cc, { DPoP: await proof(key, { htu: token }) });
    const nonce = first.headers.get('dpop-nonce')!;
    const issued = await (await postForm(token, { grant_type: 'client_credentials' }, cc, { DPoP: await proof(key, { htu: token, nonce }) })).json();
    const hello = `${srv.url}/api/hello`;
    const at = issued.access_token;
    const without = await fetch(hello, { headers: { Authorization: `DPoP ${at}`, DPoP: await proof(key, { htm: 'GET', htu: hello, accessToken: at }) } });
    expect(without.status).to.equal(401);
    expect(without.headers.get('www-authenticate')).to.match(/^DPoP /).and.to.include('error="use_dpop_nonce"');
    const fresh = without.headers.get('dpop-nonce');
    expect(fresh).to.be.a('string');
    const ok = await fetch(hello, { headers: { Authorization: `DPoP ${at}`, DPoP: await proof(key, { htm: 'GET', htu: hello, accessToken: at, nonce: fresh! }) } });
    expect(ok.status).to.equal(200);
  });
});
