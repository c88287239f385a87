import { expect } from 'chai';
import { exportJWK, generateKeyPair } from 'jose';
import { Browser, createTestApp, type TestServer } from '../../helpers.ts';
import { DocumentServer } from '../../document-server.ts';
import { actors, CLIENT_INPUT } from '../../graphql/gql-helpers.ts';
import { assertion, tokenRequest } from './assertions.ts';

// Registering the JWT methods: RFC 7591 dynamic registration and GraphQL, then authenticating with them.
describe('RFC 7591 / GraphQL registration of private_key_jwt and client_secret_jwt clients', () => {
  let srv: TestServer;
  let docs: DocumentServer;
  before(async () => {
    docs = await new DocumentServer().start();
    srv = await createTestApp({ registration: 'open', outboundAllowedHosts: ['127.0.0.1'] } as never);
  });
  after(async () => { await srv.close(); docs.close(); });

  const register = async (body: unknown) => {
    const res = await fetch(`${srv.url}/o/register`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: await res.json() as Record<string, any> };
  };

  it('dynamic registration: private_key_jwt with a jwks_uri, then client_credentials with an assertion', async () => {
    const pair = await generateKeyPair('EdDSA', { extractable: true });
    docs.routes.set('/dyn.json', (res) => { res.writeHead(200, { 'Content-Type': 'application/json' }); void exportJWK(pair.publicKey).then((jwk) => res.end(JSON.stringify({ keys: [{ ...jwk, kid: 'd1' }] }))); });
    const { status, body } = await register({ client_name: 'pk', grant_types: ['client_credentials'], response_types: [], token_endpoint_auth_method: 'private_key_jwt', jwks_uri: `${docs.base}/dyn.json`, token_endpoint_auth_signing_alg: 'EdDSA', scope: 'read' });
    expect(status).to.equal(201);
    expect(body).to.include({ token_endpoint_auth_method: 'private_key_jwt', jwks_uri: `${docs.base}/dyn.json`, token_endpoint_auth_signing_alg: 'EdDSA' });
    const res = await tokenRequest(srv, await assertion(srv, body.client_id, { key: pair.privateKey, kid: 'd1', alg: 'EdDSA' }));
    expect(res.status).to.equal(200);
  });

  it('dynamic registration: client_secret_jwt, the returned secret signs the assertion', async () => {
    const { status, body } = await register({ client_name: 'cs', grant_types: ['client_credentials'], response_types: [], token_endpoint_auth_method: 'client_secret_jwt', scope: 'read' });
    expect(status).to.equal(201);
    const res = await tokenRequest(srv, await assertion(srv, body.client_id, { key: new TextEncoder().encode(body.client_secret), alg: 'HS256' }));
    expect(res.status).to.equal(200);
  });

  it('dynamic registration refuses: private_key_jwt without keys, an HMAC alg for private_key_jwt, none', async () => {
    for (const bad of [
      { token_endpoint_auth_method: 'private_key_jwt' },
      { token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'https://rp.example/jwks', token_endpoint_auth_signing_alg: 'HS256' },
      { token_endpoint_auth_method: 'client_secret_jwt', token_endpoint_auth_signing_alg: 'none' },
    ]) {
      const { status, body } = await register({ client_name: 'x', grant_types: ['client_credentials'], response_types: [], ...bad });
      expect(status, JSON.stringify(bad)).to.equal(400);
      expect(body.error).to.equal('invalid_client_metadata');
    }
  });

  it('GraphQL registerClient: PRIVATE_KEY_JWT with jwks, read back with its jwksUri, alg and requestUris', async () => {
    const a = await actors(srv);
    const pair = await generateKeyPair('ES256', { extractable: true });
    const jwks = JSON.stringify({ keys: [{ ...await exportJWK(pair.publicKey), kid: 'g1' }] });
    const r = await a.user(`mutation($input: ClientInput!) { registerClient(input: $input) { client { clientId tokenEndpointAuthMethod tokenEndpointAuthSigningAlg jwksUri requestUris } clientSecret } }`,
      { input: { ...CLIENT_INPUT, grantTypes: ['AUTHORIZATION_CODE', 'CLIENT_CREDENTIALS'], tokenEndpointAuthMethod: 'PRIVATE_KEY_JWT', jwks, tokenEndpointAuthSigningAlg: 'ES256', requestUris: ['https://client.example.com/r.jwt'] } });
    expect(r.errors).to.equal(undefined);
    const c = r.data.registerClient.client;
    expect(c).to.deep.include({ tokenEndpointAuthMethod: 'PRIVATE_KEY_JWT', tokenEndpointAuthSigningAlg: 'ES256', jwksUri: null, requestUris: ['https://client.example.com/r.jwt'] });
    expect((await tokenRequest(srv, await assertion(srv, c.clientId, { key: pair.privateKey, kid: 'g1' }), { scope: 'read' })).status).to.equal(200);
    const bad = await a.user(`mutation($input: ClientInput!) { registerClient(input: $input) { client { clientId } } }`, { input: { ...CLIENT_INPUT, tokenEndpointAuthMethod: 'PRIVATE_KEY_JWT' } });
    expect(bad.errors?.[0]?.extensions?.code).to.equal('BAD_USER_INPUT');
    // It has no secret, so there is none to rotate: no secret is issued that would only look usable.
    const id = (await a.user(`{ client(clientId: "${c.clientId}") { id } }`)).data.client.id as string;
    const rotated = await a.user('mutation($id: ID!) { rotateClientSecret(id: $id) { clientSecret } }', { id });
    expect(rotated.errors?.[0]?.extensions?.code).to.equal('BAD_USER_INPUT');
    expect(JSON.stringify(rotated.data ?? null)).not.to.match(/clientSecret":"/);
  });
});

describe('the registration form: private_key_jwt with a jwks_uri, request_uris', () => {
  let srv: TestServer;
  before(async () => { srv = await createTestApp(); });
  after(() => srv.close());

  it('stores the fields, shows them again, and refuses private_key_jwt without keys (field error, nothing stored)', async () => {
    const user = await srv.app.seed.user({ username: 'formowner' });
    const b = new Browser(srv.url);
    await b.login(user.username, user.password);
    const submit = async (fields: Record<string, string | string[]>) => {
      return b.post('/o/applications/register/', { ...(await b.formFields('/o/applications/register/')), name: 'PK', client_type: 'confidential', grant_types: ['authorization_code'], redirect_uris: 'https://rp.example/cb', ...fields });
    };
    const count = async () => Number((await srv.app.stores.sql.all<{ n: number }>('select count(*) as n from applications'))[0].n);
    const before = await count();
    const bad = await submit({ token_endpoint_auth_method: 'private_key_jwt' });
    expect(bad.status).to.equal(400);
    expect(await count()).to.equal(before);
    const ok = await submit({ token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'https://rp.example/jwks.json', request_uris: 'https://rp.example/r1.jwt\nhttps://rp.example/r2.jwt' });
    expect(ok.status).to.equal(302);
    const [row] = await srv.app.stores.sql.all<Record<string, string>>('select id, token_endpoint_auth_method, jwks_uri, request_uris from applications where name = ?', ['PK']);
    expect(row).to.deep.include({ token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'https://rp.example/jwks.json', request_uris: 'https://rp.example/r1.jwt https://rp.example/r2.jwt' });
    const edit = await (await b.get(`/o/applications/${row.id}/update/`)).text();
    expect(edit).to.include('value="https://rp.example/jwks.json"');
    expect(edit).to.include('https://rp.example/r1.jwt\nhttps://rp.example/r2.jwt');
  });
});
