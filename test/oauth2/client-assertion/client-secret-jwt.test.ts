import { expect } from 'chai';
import * as client from 'openid-client';
import { generateKeyPair } from 'jose';
import { createTestApp, type TestServer } from '../../helpers.ts';
import { authorizeThroughConsent, codeFlowSetup, postForm } from '../../oauth-helpers.ts';
import { assertion, tokenRequest } from './assertions.ts';
import { actors, CLIENT_INPUT } from '../../graphql/gql-helpers.ts';

// RFC 7523 §2.2 / §3 and OpenID Connect Core §9 client_secret_jwt: an HMAC keyed with the client secret, which is
// kept sealed (AES-256-GCM under ENCRYPTION_KEY) beside its HMAC for such clients.
describe('RFC 7523 client_secret_jwt client authentication', () => {
  let srv: TestServer;
  before(async () => { srv = await createTestApp(); });
  after(() => srv.close());

  async function csjwtClient(extra: Record<string, unknown> = {}) {
    const owner = await srv.app.seed.user({ username: `s${Math.random().toString(36).slice(2, 8)}` });
    const { client: c, clientSecret } = await srv.app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: [], allowedScopes: ['read'], tokenEndpointAuthMethod: 'client_secret_jwt', ...extra });
    return { c, secret: new TextEncoder().encode(clientSecret!) };
  }
  const refused = async (res: Response) => {
    expect(res.status).to.equal(401);
    const body = await res.json() as Record<string, string>;
    expect(body).to.deep.equal({ error: 'invalid_client', error_description: 'Client authentication failed.' });
  };

  it('the secret is stored as an HMAC and a sealed copy, never in the clear', async () => {
    const { c, secret } = await csjwtClient();
    const [row] = await srv.app.stores.sql.all<{ secret_hash: string; oauth1_secret_sealed: string }>('select secret_hash, oauth1_secret_sealed from applications where client_id = ?', [c.clientId]);
    const plain = new TextDecoder().decode(secret);
    expect(row.oauth1_secret_sealed).to.match(/^v1\$/);
    expect(JSON.stringify(row)).not.to.include(plain);
  });

  it('HS256, HS384 and HS512 with the client secret: client_credentials', async () => {
    const { c, secret } = await csjwtClient();
    for (const alg of ['HS256', 'HS384', 'HS512']) {
      const res = await tokenRequest(srv, await assertion(srv, c.clientId, { key: secret, alg }));
      expect(res.status, alg).to.equal(200);
    }
  });

  it('refuses: a wrong secret, an asymmetric alg, alg none, a reused jti, the token endpoint as aud, an expired one', async () => {
    const { c, secret } = await csjwtClient();
    await refused(await tokenRequest(srv, await assertion(srv, c.clientId, { key: new TextEncoder().encode('not-the-secret-not-the-secret-123'), alg: 'HS256' })));
    const { privateKey } = await generateKeyPair('ES256');
    await refused(await tokenRequest(srv, await assertion(srv, c.clientId, { key: privateKey, alg: 'ES256' })));
    await refused(await tokenRequest(srv, await assertion(srv, c.clientId, { key: secret, alg: 'none' })));
    const once = await assertion(srv, c.clientId, { key: secret, alg: 'HS256' });
    expect((await tokenRequest(srv, once)).status).to.equal(200);
    await refused(await tokenRequest(srv, once));
    await refused(await tokenRequest(srv, await assertion(srv, c.clientId, { key: secret, alg: 'HS256', aud: `${srv.app.config.issuer}/o/token/` })));
    const now = Math.floor(Date.now() / 1000);
    await refused(await tokenRequest(srv, await assertion(srv, c.clientId, { key: secret, alg: 'HS256', exp: now - 100, iat: now - 160 })));
  });

  it('its bare secret (client_secret_basic or _post) is refused: the registered method is the one accepted', async () => {
    const owner = await srv.app.seed.user({ username: `s${Math.random().toString(36).slice(2, 8)}` });
    const { client: c, clientSecret } = await srv.app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: [], allowedScopes: ['read'], tokenEndpointAuthMethod: 'client_secret_jwt' });
    await refused(await postForm(`${srv.url}/o/token/`, { grant_type: 'client_credentials' }, { id: c.clientId, secret: clientSecret! }));
    await refused(await postForm(`${srv.url}/o/token/`, { grant_type: 'client_credentials', client_id: c.clientId, client_secret: clientSecret! }));
  });

  it('the registered token_endpoint_auth_signing_alg alone is accepted; an asymmetric one does not fit the method', async () => {
    const { c, secret } = await csjwtClient({ tokenEndpointAuthSigningAlg: 'HS512' });
    await refused(await tokenRequest(srv, await assertion(srv, c.clientId, { key: secret, alg: 'HS256' })));
    expect((await tokenRequest(srv, await assertion(srv, c.clientId, { key: secret, alg: 'HS512' }))).status).to.equal(200);
    const owner = await srv.app.seed.user({ username: `s${Math.random().toString(36).slice(2, 8)}` });
    let error = '';
    try { await srv.app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: [], tokenEndpointAuthMethod: 'client_secret_jwt', tokenEndpointAuthSigningAlg: 'ES256' }); } catch (e) { error = String(e); }
    expect(error).to.include('tokenEndpointAuthSigningAlg');
  });

  it('openid-client ClientSecretJwt: client_credentials and the code flow', async () => {
    const setup = await codeFlowSetup(srv, { grantTypes: ['authorization_code', 'client_credentials'], tokenEndpointAuthMethod: 'client_secret_jwt', allowedScopes: ['openid', 'read'] });
    const config = await client.discovery(new URL(srv.app.config.issuer), setup.client.clientId, {}, client.ClientSecretJwt(setup.secret!), { execute: [client.allowInsecureRequests] });
    expect((await client.clientCredentialsGrant(config, { scope: 'read' })).access_token).to.be.a('string');
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: 'https://client.example.com/cb', scope: 'openid read', state, code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    const callback = await authorizeThroughConsent(setup.browser, Object.fromEntries(url.searchParams));
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
    expect(tokens.access_token).to.be.a('string');
    expect(tokens.claims()?.aud).to.equal(setup.client.clientId);
  });
});

describe('client_secret_jwt: the sealed secret through a client\'s life (GraphQL)', () => {
  let srv: TestServer;
  before(async () => { srv = await createTestApp(); });
  after(() => srv.close());

  it('switching to CLIENT_SECRET_JWT issues a new secret (the old plaintext was never kept); switching back drops the sealed copy; no OAuth 1 consumer appears', async () => {
    const a = await actors(srv);
    const input = { ...CLIENT_INPUT, grantTypes: ['CLIENT_CREDENTIALS'], redirectUris: [], allowedScopes: ['read'] };
    const reg = await a.user('mutation($input: ClientInput!) { registerClient(input: $input) { client { id clientId } clientSecret } }', { input });
    const { id, clientId } = reg.data.registerClient.client;
    const oldSecret = reg.data.registerClient.clientSecret as string;
    const sealed = async () => (await srv.app.stores.sql.all<{ s: string | null }>('select oauth1_secret_sealed as s from applications where client_id = ?', [clientId]))[0].s;
    expect(await sealed()).to.equal(null);
    const update = (method: string) => a.user('mutation($id: ID!, $input: ClientInput!) { updateClient(id: $id, input: $input) { clientSecret } }', { id, input: { ...input, tokenEndpointAuthMethod: method } });
    const up = await update('CLIENT_SECRET_JWT');
    const newSecret = up.data.updateClient.clientSecret as string;
    expect(newSecret).to.be.a('string').and.not.equal(oldSecret);
    expect(await sealed()).to.match(/^v1\$/);
    expect(await srv.app.stores.oauth1.findConsumer(clientId)).to.equal(null);
    expect((await tokenRequest(srv, await assertion(srv, clientId, { key: new TextEncoder().encode(oldSecret), alg: 'HS256' }))).status).to.equal(401);
    expect((await tokenRequest(srv, await assertion(srv, clientId, { key: new TextEncoder().encode(newSecret), alg: 'HS256' }))).status).to.equal(200);
    // A second save keeps the secret (a sealed copy exists): no new secret each time the form is saved.
    expect((await update('CLIENT_SECRET_JWT')).data.updateClient.clientSecret).to.equal(null);
    const back = await update('CLIENT_SECRET_BASIC');
    expect(back.data.updateClient.clientSecret).to.equal(null);
    expect(await sealed()).to.equal(null);
    expect((await postForm(`${srv.url}/o/token/`, { grant_type: 'client_credentials' }, { id: clientId, secret: newSecret })).status).to.equal(200);
  });
});
