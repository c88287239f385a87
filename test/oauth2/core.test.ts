import { expect } from 'chai';
import { RFC6749_2_3_1, RFC6749_4_1_3_BODY, RFC6749_4_4_2_BODY, RFC7636_APPENDIX_B, RFC7662_2_2_RESPONSE } from '../fixtures/rfc.ts';
import { isValidVerifier, parseChallengeMethod, s256, verifyPkce } from '../../src/oauth2/pkce.ts';
import { encodeBasicAuthorization, extractClientCredentials, parseBasicAuthorization } from '../../src/oauth2/client-auth.ts';
import { formatScope, isSubset, parseScope, resolveScope } from '../../src/oauth2/scope.ts';
import { matchRedirectUri, validateRedirectUriForRegistration } from '../../src/oauth2/redirect-uri.ts';
import { generateClientSecret, hashClientSecret, hashToken, timingSafeEqualString, verifyClientSecret } from '../../src/oauth2/tokens.ts';
import { InvalidClient, InvalidGrant, OAuthError, isOAuthError } from '../../src/oauth2/errors.ts';
import { describeToken } from '../../src/oauth2/introspection.ts';
import type { TokenInfo } from '../../src/oauth2/store.ts';

const code = (fn: () => unknown) => { try { fn(); } catch (e) { if (isOAuthError(e)) return [e.status, e.error]; throw e; } return null; };

describe('RFC 7636 PKCE', () => {
  it('Appendix B: S256 of the example verifier is the example challenge', () => {
    expect(s256(RFC7636_APPENDIX_B.codeVerifier)).to.equal(RFC7636_APPENDIX_B.codeChallenge);
    expect(verifyPkce(RFC7636_APPENDIX_B.codeVerifier, RFC7636_APPENDIX_B.codeChallenge, 'S256')).to.equal(true);
    expect(verifyPkce(RFC7636_APPENDIX_B.codeVerifier.replace('d', 'e'), RFC7636_APPENDIX_B.codeChallenge, 'S256')).to.equal(false);
  });
  it('§4.1: verifiers are 43-128 unreserved characters', () => {
    expect(isValidVerifier('a'.repeat(42))).to.equal(false);
    expect(isValidVerifier('a'.repeat(43))).to.equal(true);
    expect(isValidVerifier('a'.repeat(129))).to.equal(false);
    expect(isValidVerifier('a'.repeat(42) + '+')).to.equal(false);
  });
  it('refuses plain unless enabled, and unknown methods (§4.4.1)', () => {
    expect(code(() => parseChallengeMethod('plain', false))).to.deep.equal([400, 'invalid_request']);
    expect(code(() => parseChallengeMethod(undefined, false))).to.deep.equal([400, 'invalid_request']);
    expect(parseChallengeMethod('plain', true)).to.equal('plain');
    expect(code(() => parseChallengeMethod('S512', true))).to.deep.equal([400, 'invalid_request']);
  });
});

describe('RFC 6749 §2.3.1 client authentication', () => {
  it('decodes the §2.3.1 example header', () => {
    expect(parseBasicAuthorization(RFC6749_2_3_1.authorization)).to.deep.equal({ clientId: RFC6749_2_3_1.clientId, clientSecret: RFC6749_2_3_1.clientSecret });
  });
  it('form-urlencodes id and secret inside Basic (Appendix B), so ":", "+", "%" and unicode survive', () => {
    for (const secret of ['a:b', 'a+b c', '100%', 'ünï©ødé', ' ']) {
      expect(parseBasicAuthorization(encodeBasicAuthorization('id:1', secret))).to.deep.equal({ clientId: 'id:1', clientSecret: secret });
    }
  });
  it('rejects malformed Basic headers with invalid_client', () => {
    for (const h of ['Basic', 'Basic !!!', `Basic ${Buffer.from('nocolon').toString('base64')}`, `Basic ${Buffer.from('%zz:x').toString('base64')}`]) expect(code(() => parseBasicAuthorization(h)), h).to.deep.equal([401, 'invalid_client']);
  });
  it('§2.3: one method per request; body credentials become client_secret_post; a bare id is a public client', () => {
    expect(code(() => extractClientCredentials({ authorization: RFC6749_2_3_1.authorization, body: { client_secret: 'x' } }))).to.deep.equal([400, 'invalid_request']);
    expect(extractClientCredentials({ body: { client_id: 'a', client_secret: 'b' } })).to.deep.equal({ method: 'client_secret_post', clientId: 'a', clientSecret: 'b' });
    expect(extractClientCredentials({ body: { client_id: 'a' } })).to.deep.equal({ method: 'none', clientId: 'a' });
    expect(extractClientCredentials({ body: {} })).to.equal(null);
    expect(code(() => extractClientCredentials({ body: { client_id: ['a', 'b'] } }))).to.deep.equal([400, 'invalid_request']);
  });
  it('the §4.1.3 and §4.4.2 request bodies parse as the grants expect', () => {
    expect(Object.fromEntries(new URLSearchParams(RFC6749_4_1_3_BODY))).to.deep.equal({ grant_type: 'authorization_code', code: 'SplxlOBeZQQYbYS6WxSbIA', redirect_uri: 'https://client.example.com/cb' });
    expect(Object.fromEntries(new URLSearchParams(RFC6749_4_4_2_BODY))).to.deep.equal({ grant_type: 'client_credentials' });
  });
});

describe('RFC 6749 §3.3 scope', () => {
  it('parses space-delimited scope tokens, dropping duplicates, and refuses forbidden characters', () => {
    expect(parseScope('read  write read')).to.deep.equal(['read', 'write']);
    for (const bad of ['re"ad', 'a\\b', 'a\u0001', 'é']) expect(code(() => parseScope(bad)), bad).to.deep.equal([400, 'invalid_scope']);
    expect(formatScope(['a', 'b'])).to.equal('a b');
    expect(isSubset(['a'], ['a', 'b'])).to.equal(true);
  });
  it('grants defaults when none is asked for, and refuses scopes the client was not allowed', () => {
    expect(resolveScope([], ['read', 'write'], ['read', 'admin'])).to.deep.equal(['read']);
    expect(code(() => resolveScope(['admin'], ['read'], ['read']))).to.deep.equal([400, 'invalid_scope']);
  });
});

describe('RFC 6749 §3.1.2 redirect URIs', () => {
  const insecure = { allowInsecureTransport: false };
  it('registration: absolute, no fragment, no dangerous schemes or userinfo, https except loopback', () => {
    expect(validateRedirectUriForRegistration('https://app.example/cb', insecure)).to.equal(null);
    expect(validateRedirectUriForRegistration('http://127.0.0.1:8080/cb', insecure)).to.equal(null);
    expect(validateRedirectUriForRegistration('com.example.app:/cb', insecure)).to.equal(null);
    for (const bad of ['/relative', 'https://app.example/cb#x', 'javascript:alert(1)', 'data:text/html,x', 'https://user:pw@app.example/cb', 'http://app.example/cb', 'custom:/cb']) {
      expect(validateRedirectUriForRegistration(bad, insecure), bad).to.be.a('string');
    }
    expect(validateRedirectUriForRegistration('http://app.example/cb', { allowInsecureTransport: true })).to.equal(null);
  });
  it('use: exact string comparison only (RFC 9700 §4.1.3)', () => {
    const reg = ['https://app.example/cb'];
    expect(matchRedirectUri('https://app.example/cb', reg)).to.equal(true);
    for (const bad of ['https://app.example/cb/', 'https://APP.example/cb', 'https://app.example/cb?x=1', 'https://app.example/cb/../x', 'https://app.example.evil/cb', 'https://app.example/c']) expect(matchRedirectUri(bad, reg), bad).to.equal(false);
  });
});

describe('secrets and tokens at rest', () => {
  it('client secrets: 384-bit (RFC 7518 §3.2: 64 octets, the key size of HS512), HMAC-SHA-256 under the pepper, verified in constant time', () => {
    const secret = generateClientSecret();
    expect(Buffer.from(secret, 'base64url')).to.have.length(48);
    const stored = hashClientSecret(secret, 'pepper');
    expect(stored).to.match(/^hmac-sha256\$/).and.not.include(secret);
    expect(verifyClientSecret(secret, stored, 'pepper')).to.equal(true);
    expect(verifyClientSecret(secret, stored, 'other-pepper')).to.equal(false);
    expect(verifyClientSecret('x' + secret, stored, 'pepper')).to.equal(false);
    expect(timingSafeEqualString('a', 'ab')).to.equal(false);
  });
  it('tokens are looked up by SHA-256', () => {
    expect(hashToken('abc')).to.equal('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('RFC 6749 §5.2 / RFC 6750 errors and RFC 7662 §2.2 responses', () => {
  const PUBLIC = { of: String, pairwise: false };
  it('errors carry their RFC code and status; invalid_client challenges', () => {
    const e = new InvalidClient('x');
    expect([e.status, e.error, e.headers['WWW-Authenticate']]).to.deep.equal([401, 'invalid_client', 'Basic realm="gatehouse"']);
    expect(new InvalidGrant('y').toJSON()).to.deep.equal({ error: 'invalid_grant', error_description: 'y' });
    expect(new InvalidGrant() instanceof OAuthError).to.equal(true);
  });
  it('describes a live token with the §2.2 members, and anything else as just inactive', () => {
    const t: TokenInfo = { kind: 'access', tokenHash: 'h', applicationId: 1, userId: 7, grantId: 1, scope: RFC7662_2_2_RESPONSE.scope, familyId: null, expiresAt: RFC7662_2_2_RESPONSE.exp * 1000, createdAt: RFC7662_2_2_RESPONSE.iat * 1000, clientId: RFC7662_2_2_RESPONSE.client_id, username: RFC7662_2_2_RESPONSE.username, revokedAt: null, usedAt: null };
    const r = describeToken(t, RFC7662_2_2_RESPONSE.iat * 1000, 'https://server.example.com/', PUBLIC);
    const { active, client_id, username, scope, exp, iat, iss } = RFC7662_2_2_RESPONSE;
    expect(r).to.include({ active, client_id, username, scope, exp, iat, iss, token_type: 'Bearer', sub: '7' });
    expect(describeToken({ ...t, revokedAt: 1 }, 0, 'x', PUBLIC)).to.deep.equal({ active: false });
    expect(describeToken(t, RFC7662_2_2_RESPONSE.exp * 1000 + 1, 'x', PUBLIC)).to.deep.equal({ active: false });
  });
});
