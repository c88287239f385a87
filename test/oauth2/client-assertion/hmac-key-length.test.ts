import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { Browser, createTestApp, csrfFrom, testIdValue, type TestServer } from '../../helpers.ts';
import { postForm } from '../../oauth-helpers.ts';
import { actors, CLIENT_INPUT } from '../../graphql/gql-helpers.ts';
import { assertion, JWT_BEARER, tokenRequest } from './assertions.ts';
import { hashClientSecret } from '../../../src/oauth2/tokens.ts';
import { parseKey, seal } from '../../../src/oauth1/secret-box.ts';
import { hmacKeyFits } from '../../../src/oauth2/client-assertion/algorithms.ts';

// RFC 7518 §3.2: "A key of the same size as the hash output (for instance, 256 bits for HS256) or larger MUST be used
// with this algorithm." client_secret_jwt keys the HMAC with the client secret, so a secret of 43 octets (issued before
// issue 22: 32 random bytes, base64url) fits HS256 only; secrets issued now are 64 octets and fit HS512.
describe('RFC 7518 §3.2 HMAC key size: client_secret_jwt and the length of the client secret', () => {
  let srv: TestServer;
  before(async () => { srv = await createTestApp({ registration: 'open' } as never); });
  after(() => srv.close());

  const bytes = (s: string) => new TextEncoder().encode(s);
  const user = () => srv.app.seed.user({ username: `h${Math.random().toString(36).slice(2, 8)}` });

  /** Gives the client a secret as issued before issue 22 (32 random bytes, 43 characters), stored as Gatehouse stores one. */
  async function legacySecret(clientId: string): Promise<string> {
    const secret = randomBytes(32).toString('base64url');
    await srv.app.stores.sql.run('update applications set secret_hash = ?, oauth1_secret_sealed = ? where client_id = ?',
      [hashClientSecret(secret, srv.app.config.secretPepper), seal(secret, parseKey(srv.app.config.encryptionKey)), clientId]);
    srv.app.stores.clients.invalidate();
    return secret;
  }
  async function legacyClient(extra: Record<string, unknown> = {}) {
    const { client: c } = await srv.app.seed.client({ owner: await user(), grantTypes: ['client_credentials'], redirectUris: [], allowedScopes: ['read'], tokenEndpointAuthMethod: 'client_secret_jwt', ...extra });
    return { clientId: c.clientId, secret: bytes(await legacySecret(c.clientId)) };
  }
  const tooShort = async (res: Response) => {
    expect(res.status).to.equal(401);
    expect(res.headers.get('www-authenticate')).to.match(/^Basic /);
    const body = await res.json() as Record<string, string>;
    expect(body.error).to.equal('invalid_client');
    expect(body.error_description).to.match(/RFC 7518 §3\.2/);
  };

  it('hmacKeyFits: 32, 48 and 64 octets at least for HS256, HS384, HS512; nothing else is an HMAC alg', () => {
    expect([31, 32].map((n) => hmacKeyFits('HS256', n))).to.deep.equal([false, true]);
    expect([47, 48].map((n) => hmacKeyFits('HS384', n))).to.deep.equal([false, true]);
    expect([63, 64, 65].map((n) => hmacKeyFits('HS512', n))).to.deep.equal([false, true, true]);
    expect(hmacKeyFits('RS256', 4096)).to.equal(false);
  });

  it('a 43-character secret: HS384 and HS512 are invalid_client naming RFC 7518 §3.2 (recorded as assertion_key_too_short); HS256 works', async () => {
    const { clientId, secret } = await legacyClient();
    expect(secret.length).to.equal(43);
    await tooShort(await tokenRequest(srv, await assertion(srv, clientId, { key: secret, alg: 'HS512' })));
    await tooShort(await tokenRequest(srv, await assertion(srv, clientId, { key: secret, alg: 'HS384' })));
    expect((await tokenRequest(srv, await assertion(srv, clientId, { key: secret, alg: 'HS256' }))).status).to.equal(200);
    const failures = await srv.app.stores.events.recentFailures(clientId, 10);
    expect(failures.map((f: { reason: string }) => f.reason)).to.include('assertion_key_too_short');
  });

  it('the same refusal at introspection, revocation and PAR (one client authentication for all)', async () => {
    const { clientId, secret } = await legacyClient({ grantTypes: ['authorization_code', 'client_credentials'], redirectUris: ['https://client.example.com/cb'] });
    const form = async (path: string, body: Record<string, string>, alg: string) => postForm(`${srv.url}${path}`, { ...body, client_assertion_type: JWT_BEARER, client_assertion: await assertion(srv, clientId, { key: secret, alg }) });
    await tooShort(await form('/o/introspect/', { token: 'x' }, 'HS512'));
    await tooShort(await form('/o/revoke_token/', { token: 'x' }, 'HS512'));
    const par = { response_type: 'code', redirect_uri: 'https://client.example.com/cb', scope: 'read', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' };
    await tooShort(await form('/o/par', par, 'HS512'));
    expect((await form('/o/par', par, 'HS256')).status).to.equal(201);
  });

  it('a client registered for HS512 whose secret is 43 characters is refused with HS512, even with the right MAC', async () => {
    const { clientId, secret } = await legacyClient({ tokenEndpointAuthSigningAlg: 'HS512' });
    await tooShort(await tokenRequest(srv, await assertion(srv, clientId, { key: secret, alg: 'HS512' })));
  });

  it('discovery keeps HS256, HS384 and HS512 for client assertions: every secret issued now fits all three', async () => {
    const meta = await (await fetch(`${srv.url}/.well-known/oauth-authorization-server`)).json() as Record<string, string[]>;
    for (const k of ['token_endpoint_auth_signing_alg_values_supported', 'revocation_endpoint_auth_signing_alg_values_supported', 'introspection_endpoint_auth_signing_alg_values_supported']) {
      expect(meta[k], k).to.include.members(['HS256', 'HS384', 'HS512']);
    }
  });

  it('RFC 7591: a newly registered client\'s secret is 64 characters (48 random bytes) and HS512 works with it', async () => {
    const res = await fetch(`${srv.url}/o/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_name: 'h', grant_types: ['client_credentials'], response_types: [], token_endpoint_auth_method: 'client_secret_jwt', token_endpoint_auth_signing_alg: 'HS512', scope: 'read' }) });
    expect(res.status).to.equal(201);
    const body = await res.json() as Record<string, string>;
    expect(body.client_secret).to.match(/^[\w-]{64}$/);
    expect(Buffer.from(body.client_secret, 'base64url')).to.have.length(48);
    expect((await tokenRequest(srv, await assertion(srv, body.client_id, { key: bytes(body.client_secret), alg: 'HS512' }))).status).to.equal(200);
  });

  it('RFC 7592 update to HS512 with a 43-character secret issues a new secret that fits, returned once; the old one stops working', async () => {
    const res = await fetch(`${srv.url}/o/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_name: 'u', grant_types: ['client_credentials'], response_types: [], token_endpoint_auth_method: 'client_secret_jwt', scope: 'read' }) });
    const reg = await res.json() as Record<string, string>;
    const old = await legacySecret(reg.client_id);
    const put = (rat: string, alg: string) => fetch(reg.registration_client_uri, {
      method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${rat}` },
      body: JSON.stringify({ client_id: reg.client_id, client_name: 'u', grant_types: ['client_credentials'], response_types: [], token_endpoint_auth_method: 'client_secret_jwt', token_endpoint_auth_signing_alg: alg, scope: 'read' }),
    });
    // HS256 fits the old secret: nothing new is issued.
    const same = await put(reg.registration_access_token, 'HS256');
    expect(same.status).to.equal(200);
    const sameBody = await same.json() as Record<string, string>;
    expect(sameBody).not.to.have.property('client_secret');
    const up = await put(sameBody.registration_access_token, 'HS512');
    expect(up.status).to.equal(200);
    const body = await up.json() as Record<string, string | number>;
    expect(body.token_endpoint_auth_signing_alg).to.equal('HS512');
    expect(body.client_secret).to.be.a('string').and.match(/^[\w-]{64}$/).and.not.equal(old);
    expect(body.client_secret_expires_at).to.equal(0);
    // The old secret no longer verifies anything (the stored secret is the new one, long enough: a plain MAC mismatch).
    for (const alg of ['HS256', 'HS512']) expect((await tokenRequest(srv, await assertion(srv, reg.client_id, { key: bytes(old), alg }))).status, alg).to.equal(401);
    expect((await tokenRequest(srv, await assertion(srv, reg.client_id, { key: bytes(body.client_secret as string), alg: 'HS512' }))).status).to.equal(200);
    // A second save keeps the secret that fits.
    const again = await put(body.registration_access_token as string, 'HS512');
    expect(await again.json()).not.to.have.property('client_secret');
  });

  it('GraphQL updateClient to HS384 with a 43-character secret returns a new 64-character secret once', async () => {
    const a = await actors(srv);
    const input = { ...CLIENT_INPUT, grantTypes: ['CLIENT_CREDENTIALS'], redirectUris: [], allowedScopes: ['read'], tokenEndpointAuthMethod: 'CLIENT_SECRET_JWT' };
    const reg = await a.user('mutation($input: ClientInput!) { registerClient(input: $input) { client { id clientId } clientSecret } }', { input });
    expect(reg.data.registerClient.clientSecret).to.match(/^[\w-]{64}$/);
    const { id, clientId } = reg.data.registerClient.client;
    const old = await legacySecret(clientId);
    const update = (alg: string) => a.user('mutation($id: ID!, $input: ClientInput!) { updateClient(id: $id, input: $input) { clientSecret } }', { id, input: { ...input, tokenEndpointAuthSigningAlg: alg } });
    const up = await update('HS384');
    expect(up.errors).to.equal(undefined);
    const fresh = up.data.updateClient.clientSecret as string;
    expect(fresh).to.match(/^[\w-]{64}$/).and.not.equal(old);
    expect((await tokenRequest(srv, await assertion(srv, clientId, { key: bytes(fresh), alg: 'HS384' }))).status).to.equal(200);
    expect((await update('HS512')).data.updateClient.clientSecret).to.equal(null);
  });

  it('the playground adding its callback to a client whose secret is too short for its HS512 shows the new secret once, on the application page', async () => {
    const owner = await user();
    const { clientId } = await legacyClient({ owner, tokenEndpointAuthSigningAlg: 'HS512', grantTypes: ['authorization_code', 'client_credentials'], redirectUris: ['https://client.example.com/cb'] });
    const id = (await srv.app.stores.clients.findByClientId(clientId))!.id;
    const b = new Browser(srv.url);
    await b.login(owner.username, owner.password);
    const res = await b.post('/o/playground/register-callback', { csrfmiddlewaretoken: csrfFrom(await (await b.get('/o/playground/')).text())!, application: String(id) });
    expect(res.status).to.equal(302);
    expect(res.headers.get('location')).to.match(new RegExp(`/o/applications/${id}/$`));
    const fresh = testIdValue(await (await b.get(res.headers.get('location')!)).text(), 'client-secret')!;
    expect(fresh).to.match(/^[\w-]{64}$/);
    expect((await tokenRequest(srv, await assertion(srv, clientId, { key: bytes(fresh), alg: 'HS512' }))).status).to.equal(200);
  });
});
