import { expect } from 'chai';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { createTestApp, type TestServer } from '../helpers.ts';
import { ACCESS_TOKEN_ALG, createJwtAccessTokens } from '../../src/oidc/access-token.ts';
import { SIGNING_ALGS } from '../../src/oidc/keys.ts';
import { generateOrderedToken } from '../../src/oauth2/tokens.ts';
import { Subjects } from '../../src/oidc/subject.ts';
import { parseKey } from '../../src/oauth1/secret-box.ts';
import { loadConfig } from '../../src/config.ts';

describe('RFC 9068 JWT access tokens: the signer (src/oidc/access-token.ts, jws.ts)', () => {
  let t: TestServer;
  before(async () => { t = await createTestApp(); });
  after(() => t.close());

  const subjects = () => new Subjects(parseKey(t.app.config.encryptionKey));
  const client = { clientId: 'rfc9068-client', subjectType: 'public' as const, sectorIdentifierUri: null, redirectUris: [], grantTypes: ['client_credentials'] };
  const input = (o: { userId?: number | null; authTime?: number | null } = {}) => ({ clientId: client.clientId, userId: o.userId ?? null, scope: 'read write', authTime: o.authTime ?? null, jti: generateOrderedToken(), now: Date.now(), ttl: 600 });

  it('ACCESS_TOKEN_SIGNING_ALG defaults to ES256, the cheapest measured signature (bench/mint-cost.ts, docs/performance.md)', () => {
    // The setting, not only the constant: a default that no longer reached the config would pass a constant check.
    expect(loadConfig({}).tokens.accessTokenSigningAlg).to.equal('ES256').and.to.equal(ACCESS_TOKEN_ALG);
  });

  for (const alg of SIGNING_ALGS) {
    it(`signed with the current ${alg} key: jose verifies it against the published JWKS; the header is exactly alg, kid, typ at+jwt (§2.1)`, async () => {
      const tokens = createJwtAccessTokens({ keys: t.app.signingKeys, issuer: () => t.app.config.issuer, subjects: subjects(), alg });
      const i = input();
      const jwt = (await tokens.signer(client))(i);
      const jwks = createLocalJWKSet(await t.app.signingKeys.jwks());
      const { payload, protectedHeader } = await jwtVerify(jwt, jwks, { issuer: t.app.config.issuer, audience: `${t.app.config.issuer}/`, typ: 'at+jwt', algorithms: [alg] });
      expect(protectedHeader).to.deep.equal({ alg, kid: (await t.app.signingKeys.signingKey(alg)).kid, typ: 'at+jwt' });
      // §2.2: every required claim, and nothing a client_credentials token has no value for (no auth_time, acr, amr).
      expect(payload).to.deep.equal({ jti: i.jti, iss: t.app.config.issuer, exp: Math.floor(i.now / 1000) + 600, aud: `${t.app.config.issuer}/`, sub: client.clientId, client_id: client.clientId, iat: Math.floor(i.now / 1000), scope: 'read write' });
    });
  }

  it('§2.2.1: a user\'s token names the user as sub and carries auth_time; the payload opens with the jti (its lookup key keeps the time prefix)', async () => {
    const tokens = createJwtAccessTokens({ keys: t.app.signingKeys, issuer: () => t.app.config.issuer, subjects: subjects() });
    const login = Date.now() - 60_000;
    const i = input({ userId: 42, authTime: login });
    const jwt = (await tokens.signer(client))(i);
    expect(decodeProtectedHeader(jwt).alg).to.equal('ES256');
    const { payload } = await jwtVerify(jwt, createLocalJWKSet(await t.app.signingKeys.jwks()), { typ: 'at+jwt' });
    expect(payload).to.include({ sub: '42', auth_time: Math.floor(login / 1000), jti: i.jti });
    expect(Object.keys(payload)[0]).to.equal('jti');
  });
});
