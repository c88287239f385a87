import { expect } from 'chai';
import { ConfigError, loadConfig } from '../src/config.ts';

describe('config', () => {
  it('has working development defaults', () => {
    const c = loadConfig({});
    expect(c.port).to.equal(8000);
    expect(c.issuer).to.equal('http://localhost:8000');
    expect(c.allowInsecureTransport).to.equal(true);
    expect(c.database.file).to.equal('gatehouse.sqlite');
  });

  it('reads the environment', () => {
    const c = loadConfig({ PORT: '9001', ACCESS_TOKEN_TTL: '120', CORS_ORIGINS: 'https://a.example, https://b.example', ALLOW_INSECURE_TRANSPORT: 'false', ISSUER: 'https://auth.example.com/' });
    expect(c.port).to.equal(9001);
    expect(c.tokens.accessTokenTtl).to.equal(120);
    expect(c.cors.origins).to.deep.equal(['https://a.example', 'https://b.example']);
    expect(c.allowInsecureTransport).to.equal(false);
    expect(c.issuer).to.equal('https://auth.example.com');
  });

  it('fails loudly, listing every problem, on invalid values', () => {
    try {
      loadConfig({ PORT: 'eighty', ALLOW_INSECURE_TRANSPORT: 'maybe', APPROVAL_PROMPT: 'sometimes', DATABASE_URL: 'mysql://x' });
      expect.fail('should have thrown');
    } catch (e) {
      expect(e).to.be.instanceOf(ConfigError);
      expect((e as ConfigError).problems).to.have.length(4);
    }
  });

  it('refuses default secrets in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', ISSUER: 'https://auth.example.com' })).to.throw(ConfigError);
    const ok = loadConfig({
      NODE_ENV: 'production', ISSUER: 'https://auth.example.com', SESSION_KEYS: 'k'.repeat(40),
      SECRET_PEPPER: 'p'.repeat(40), ENCRYPTION_KEY: 'ab'.repeat(32),
    });
    expect(ok.allowInsecureTransport).to.equal(false);
  });

  it('refuses a default lifetime above its maximum, naming both settings (attacker read 19, F4)', () => {
    for (const [ttl, max] of [['ACCESS_TOKEN_TTL', 'ACCESS_TOKEN_MAX_LIFETIME'], ['REFRESH_TOKEN_TTL', 'REFRESH_TOKEN_MAX_LIFETIME'], ['AUTHORIZATION_CODE_TTL', 'AUTHORIZATION_CODE_MAX_LIFETIME']]) {
      try {
        loadConfig({ [ttl]: '7200', [max]: '600' });
        expect.fail(`${ttl}=7200 with ${max}=600 should not load`);
      } catch (e) {
        expect(e, ttl).to.be.instanceOf(ConfigError);
        expect((e as ConfigError).problems.join(' '), ttl).to.include(ttl).and.include(max);
      }
      expect(loadConfig({ [ttl]: '600', [max]: '600' }).tokens).to.be.an('object');
    }
  });

  it('refuses a duration past ten years of seconds, or past setTimeout\'s largest delay in milliseconds (attacker read 21, F8)', () => {
    for (const env of [{ ACCESS_TOKEN_TTL: '9999999999999', ACCESS_TOKEN_MAX_LIFETIME: '9999999999999' }, { OAUTH1_TEMPORARY_TTL: '315360001' }, { DPOP_PROOF_WINDOW: '9999999999999' }]) {
      expect(() => loadConfig(env), JSON.stringify(env)).to.throw(ConfigError, /at most/);
    }
    expect(loadConfig({ REFRESH_TOKEN_TTL: String(10 * 365 * 24 * 3600), REFRESH_TOKEN_MAX_LIFETIME: String(10 * 365 * 24 * 3600) }).tokens.refreshTokenTtl).to.equal(315360000);
  });

  it('refuses an http issuer when insecure transport is off', () => {
    expect(() => loadConfig({ ALLOW_INSECURE_TRANSPORT: 'false' })).to.throw(ConfigError);
  });
});

// FAPI 2.0 §5.4.1 (fapi2:signing-algs): a fapi2 deployment signs with PS256, ES256 or EdDSA only — ID Tokens and
// UserInfo are held to it per client; the JWT access tokens' one algorithm is held to it at start.
describe('config: ACCESS_TOKEN_SIGNING_ALG under SECURITY_PROFILE=fapi2', () => {
  it('RS256 is refused at start, naming the setting; ES256 and EdDSA start; without the profile RS256 starts', () => {
    try {
      loadConfig({ SECURITY_PROFILE: 'fapi2', ACCESS_TOKEN_SIGNING_ALG: 'RS256' });
      expect.fail('should have thrown');
    } catch (e) {
      expect(e).to.be.instanceOf(ConfigError);
      expect((e as ConfigError).problems.filter((p) => p.includes('ACCESS_TOKEN_SIGNING_ALG'))).to.have.length(1);
    }
    for (const alg of ['ES256', 'EdDSA']) expect(loadConfig({ SECURITY_PROFILE: 'fapi2', ACCESS_TOKEN_SIGNING_ALG: alg }).tokens.accessTokenSigningAlg).to.equal(alg);
    expect(loadConfig({ ACCESS_TOKEN_SIGNING_ALG: 'RS256' }).tokens.accessTokenSigningAlg).to.equal('RS256');
  });
});
