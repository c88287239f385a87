import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import { createTestApp, type TestServer } from '../../helpers.ts';
import { actors, CLIENT_INPUT } from '../../graphql/gql-helpers.ts';

// RFC 7518 §3.3 (RS*) and §3.5 (PS*): "A key of size 2048 bits or larger MUST be used". A client's registered RSA key
// below that could never verify an assertion or request object: refused where it is registered, saying why.
describe('RFC 7518 §3.3: client RSA keys of fewer than 2048 bits are refused at registration', () => {
  let srv: TestServer;
  before(async () => { srv = await createTestApp({ registration: 'open' }); });
  after(() => srv.close());

  const rsaJwk = (bits: number) => ({ ...generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({ format: 'jwk' }), kid: `r${bits}`, alg: 'RS256', use: 'sig' });
  const register = async (jwks: unknown) => {
    const res = await fetch(`${srv.url}/o/register`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ client_name: 'rsa', grant_types: ['client_credentials'], response_types: [], token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'RS256', jwks, scope: 'read' }) });
    return { status: res.status, body: await res.json() as Record<string, string> };
  };

  it('dynamic registration: a 1024-bit RSA key is invalid_client_metadata naming the rule; 2048 bits registers', async () => {
    const count = async () => Number((await srv.app.withContext(() => srv.app.orm.em.getConnection().execute('select count(*) as n from applications')) as { n: number | string }[])[0].n);
    const before = await count();
    const weak = await register({ keys: [rsaJwk(1024)] });
    expect(weak.status).to.equal(400);
    expect(weak.body.error).to.equal('invalid_client_metadata');
    expect(weak.body.error_description).to.contain('2048 bits').and.contain('RFC 7518 §3.3');
    // One weak key among good ones is refused as well: the set is what the client registers.
    expect((await register({ keys: [rsaJwk(2048), rsaJwk(1024)] })).status).to.equal(400);
    expect(await count()).to.equal(before);
    expect((await register({ keys: [rsaJwk(2048)] })).status).to.equal(201);
  });

  it('GraphQL registerClient: the same refusal, BAD_USER_INPUT naming the size', async () => {
    const a = await actors(srv);
    const r = await a.user('mutation($input: ClientInput!) { registerClient(input: $input) { client { clientId } } }',
      { input: { ...CLIENT_INPUT, grantTypes: ['CLIENT_CREDENTIALS'], redirectUris: [], tokenEndpointAuthMethod: 'PRIVATE_KEY_JWT', jwks: JSON.stringify({ keys: [rsaJwk(1024)] }) } });
    expect(r.errors?.[0]?.extensions?.code).to.equal('BAD_USER_INPUT');
    expect(JSON.stringify(r.errors)).to.contain('2048 bits');
  });
});
