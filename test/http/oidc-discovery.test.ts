import { expect } from 'chai';
import { createTestApp, type TestServer } from '../helpers.ts';

describe('OpenID Connect Discovery 1.0 and the JWK Set', () => {
  let t: TestServer;
  before(async () => { t = await createTestApp(); });
  after(() => t.close());
  const json = async (path: string) => {
    const res = await fetch(t.url + path);
    expect(res.status, path).to.equal(200);
    return { res, body: await res.json() as Record<string, unknown> };
  };

  it('§3: every REQUIRED and RECOMMENDED field, at the issuer and at django-oauth-toolkit\'s path', async () => {
    const { res, body } = await json('/.well-known/openid-configuration');
    expect(res.headers.get('content-type')).to.match(/^application\/json/);
    expect(res.headers.get('cache-control')).to.match(/max-age=\d+/);
    // §4.3: the issuer is exactly the URL the document was fetched under.
    expect(body.issuer).to.equal(t.app.config.issuer);
    for (const field of ['authorization_endpoint', 'token_endpoint', 'jwks_uri', 'response_types_supported', 'subject_types_supported', 'id_token_signing_alg_values_supported', 'userinfo_endpoint', 'scopes_supported', 'claims_supported']) {
      expect(body, field).to.have.property(field);
    }
    expect(body.scopes_supported).to.include.members(['openid', 'profile', 'email']);
    // Core §8: public by default, pairwise per client.
    expect(body.subject_types_supported).to.deep.equal(['public', 'pairwise']);
    // Core §5.3.2: signed UserInfo per client, with the algorithms there are keys for (never none).
    expect(body.userinfo_signing_alg_values_supported).to.deep.equal(['RS256', 'ES256', 'EdDSA']);
    // Core §15.1: RS256 is required.
    expect(body.id_token_signing_alg_values_supported).to.include.members(['RS256', 'ES256', 'EdDSA']);
    expect(body.claims_supported).to.include.members(['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'email', 'preferred_username']);
    expect(body).to.not.have.property('registration_endpoint');
    expect(body.request_uri_parameter_supported).to.equal(true);
    expect(body.require_request_uri_registration).to.equal(true);
    expect((await json('/o/.well-known/openid-configuration')).body).to.deep.equal(body);
  });

  it('agrees with the RFC 8414 document on every field that one has', async () => {
    const { body: oidc } = await json('/.well-known/openid-configuration');
    const { body: oauth } = await json('/.well-known/oauth-authorization-server');
    for (const [field, value] of Object.entries(oauth)) expect(oidc[field], field).to.deep.equal(value);
  });

  it('jwks_uri serves public keys only, each with kid, use=sig and alg, also at /o/.well-known/jwks.json', async () => {
    const { body: config } = await json('/.well-known/openid-configuration');
    const res = await fetch(config.jwks_uri as string);
    expect(res.status).to.equal(200);
    expect(res.headers.get('cache-control')).to.equal('public, max-age=300');
    const { keys } = await res.json() as { keys: Record<string, string>[] };
    expect(keys.map((k) => k.alg)).to.include.members(['RS256', 'ES256', 'EdDSA']);
    for (const k of keys) {
      expect(k.use).to.equal('sig');
      expect(k.kid).to.be.a('string');
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(k).to.not.have.property(secret);
    }
    expect((await json('/o/.well-known/jwks.json')).body).to.deep.equal({ keys });
  });
});
