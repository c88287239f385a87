import { expect } from 'chai';
import { createTestApp, type TestServer } from '../../helpers.ts';
import { codeFlowSetup, getCode, postForm } from '../../oauth-helpers.ts';
import { dpopKey, proof, type DpopKey } from './proofs.ts';

/**
 * RFC 9449 §7.2: every place of Gatehouse that reads a bearer token refuses a DPoP-bound one presented as Bearer,
 * not only requireToken(): the GraphQL admin API and introspection's bearer mode.
 */
describe('RFC 9449 §7.2 a DPoP-bound token is never a bearer token', () => {
  let srv: TestServer;
  before(async () => { srv = await createTestApp(); });
  after(() => srv.close());

  async function userToken(bound: boolean, key?: DpopKey, extra: Record<string, string> = {}): Promise<string> {
    const setup = await codeFlowSetup(srv, { allowedScopes: ['openid', 'read', 'write'] });
    const { code, verifier } = await getCode(setup, extra);
    const token = `${srv.url}/o/token/`;
    const headers = bound ? { DPoP: await proof(key ?? await dpopKey(), { htu: token }) } : undefined;
    const body = await (await postForm(token, { grant_type: 'authorization_code', code, redirect_uri: 'https://client.example.com/cb', code_verifier: verifier }, setup.auth, headers)).json();
    expect(body.token_type).to.equal(bound ? 'DPoP' : 'Bearer');
    return body.access_token;
  }
  const viewer = (authorization: string) => fetch(`${srv.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body: '{"query":"{ viewer { id } }"}' });

  it('GraphQL: an unbound token reads the viewer; a bound one as Bearer is UNAUTHENTICATED', async () => {
    const plain = await (await viewer(`Bearer ${await userToken(false)}`)).json();
    expect(plain.data.viewer.id).to.be.a('string');
    const res = await viewer(`Bearer ${await userToken(true)}`);
    const body = await res.json();
    expect(body.errors[0].extensions.code).to.equal('UNAUTHENTICATED');
    expect(body.data ?? null).to.equal(null);
  });

  it('GraphQL takes the DPoP scheme with a proof (POST /graphql, ath); without one, or with another key: 401 and a DPoP challenge', async () => {
    const key = await dpopKey();
    const at = await userToken(true, key);
    const gql = `${srv.url}/graphql`;
    const call = (headers: Record<string, string>) => fetch(gql, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `DPoP ${at}`, ...headers }, body: '{"query":"{ viewer { id } }"}' });
    const ok = await call({ DPoP: await proof(key, { htu: gql, accessToken: at }) });
    expect(ok.status).to.equal(200);
    expect((await ok.json()).data.viewer.id).to.be.a('string');
    const none = await call({});
    expect(none.status).to.equal(401);
    expect(none.headers.get('www-authenticate')).to.match(/^DPoP /).and.to.include('error="invalid_dpop_proof"').and.to.include('algs="');
    const other = await call({ DPoP: await proof(await dpopKey(), { htu: gql, accessToken: at }) });
    expect(other.status).to.equal(401);
    expect((await other.json()).errors[0].extensions.code).to.equal('UNAUTHENTICATED');
  });

  it('UserInfo (requireToken) takes the DPoP scheme with a proof, and refuses the bound token as Bearer', async () => {
    const key = await dpopKey();
    const at = await userToken(true, key, { scope: 'openid' });
    const ui = `${srv.url}/o/userinfo`;
    const ok = await fetch(ui, { headers: { authorization: `DPoP ${at}`, DPoP: await proof(key, { htm: 'GET', htu: ui, accessToken: at }) } });
    expect(ok.status).to.equal(200);
    expect((await ok.json()).sub).to.be.a('string');
    expect((await fetch(ui, { headers: { authorization: `Bearer ${at}` } })).status).to.equal(401);
  });

  it('introspection bearer mode: a bound token with the introspection scope may not introspect as Bearer', async () => {
    const owner = await srv.app.seed.user({ username: 'rs-owner', password: 'owner-password' });
    const { client, clientSecret } = await srv.app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: [], allowedScopes: ['read', 'introspection'] });
    const auth = { id: client.clientId, secret: clientSecret! };
    const token = `${srv.url}/o/token/`;
    const get = async (bound: boolean) => (await (await postForm(token, { grant_type: 'client_credentials', scope: 'introspection' }, auth, bound ? { DPoP: await proof(await dpopKey(), { htu: token }) } : undefined)).json()).access_token;
    const target = await get(false);
    const asPlain = await postForm(`${srv.url}/o/introspect/`, { token: target }, undefined, { authorization: `Bearer ${await get(false)}` });
    expect(asPlain.status).to.equal(200);
    const asBound = await postForm(`${srv.url}/o/introspect/`, { token: target }, undefined, { authorization: `Bearer ${await get(true)}` });
    expect(asBound.status).to.equal(401);
  });
});
