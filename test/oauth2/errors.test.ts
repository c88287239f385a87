import { expect } from 'chai';
import {
  AccessDenied, InsufficientScope, InvalidClient, InvalidClientId, InvalidGrant, InvalidRedirectUri, InvalidRequest, InvalidScope,
  InvalidToken, OAuthError, ServerError, TemporarilyUnavailable, UnauthorizedClient, UnsupportedGrantType, UnsupportedResponseType,
  UnsupportedTokenType, isOAuthError,
} from '../../src/oauth2/errors.ts';

type ErrorClass = new (description?: string, opts?: { fatal?: boolean; headers?: Record<string, string> }) => OAuthError;

const table: [ErrorClass, string, number][] = [
  // RFC 6749 §5.2 and §4.1.2.1
  [InvalidRequest, 'invalid_request', 400],
  [InvalidClient, 'invalid_client', 401],
  [InvalidGrant, 'invalid_grant', 400],
  [UnauthorizedClient, 'unauthorized_client', 400],
  [UnsupportedGrantType, 'unsupported_grant_type', 400],
  [InvalidScope, 'invalid_scope', 400],
  [AccessDenied, 'access_denied', 403],
  [UnsupportedResponseType, 'unsupported_response_type', 400],
  [ServerError, 'server_error', 500],
  [TemporarilyUnavailable, 'temporarily_unavailable', 503],
  // RFC 7009 §2.2.1
  [UnsupportedTokenType, 'unsupported_token_type', 400],
  // RFC 6750 §3.1
  [InvalidToken, 'invalid_token', 401],
  [InsufficientScope, 'insufficient_scope', 403],
];

describe('RFC 6749 §5.2, RFC 6750 §3.1, RFC 7009 §2.2.1 error codes', () => {
  for (const [Cls, code, status] of table) {
    it(`${Cls.name} is ${code} with status ${status}, and may redirect`, () => {
      const e = new Cls('why');
      expect([e.error, e.status, e.fatal, e.name]).to.deep.equal([code, status, false, Cls.name]);
      expect(e).to.be.instanceOf(OAuthError).and.instanceOf(Error);
      expect(isOAuthError(e)).to.equal(true);
      expect(e.description).to.equal('why');
      expect(e.message).to.equal('why');
    });
  }

  it('§5.2: invalid_client is 401 and challenges with WWW-Authenticate: Basic', () => {
    const e = new InvalidClient();
    expect([e.status, e.headers['WWW-Authenticate']]).to.deep.equal([401, 'Basic realm="gatehouse"']);
  });

  it('extra headers merge with the defaults, and one instance cannot change another\'s', () => {
    const a = new InvalidClient('x', { headers: { 'Retry-After': '5' } });
    expect(a.headers).to.deep.equal({ 'WWW-Authenticate': 'Basic realm="gatehouse"', 'Retry-After': '5' });
    a.headers['X-Leak'] = '1';
    expect(new InvalidClient().headers).to.deep.equal({ 'WWW-Authenticate': 'Basic realm="gatehouse"' });
    expect(new InvalidGrant().headers).to.deep.equal({});
  });

  it('§4.1.2.1: a bad redirect_uri or unknown client_id at /authorize is fatal (never redirected)', () => {
    const r = new InvalidRedirectUri();
    const c = new InvalidClientId();
    expect([r.error, r.status, r.fatal]).to.deep.equal(['invalid_request', 400, true]);
    expect([c.error, c.status, c.fatal]).to.deep.equal(['invalid_client', 400, true]);
    expect(new InvalidRequest('x', { fatal: true }).fatal).to.equal(true);
  });

  it('§5.2: serialises to { error, error_description } and nothing internal', () => {
    const e = new InvalidGrant('code expired');
    expect(e.toJSON()).to.deep.equal({ error: 'invalid_grant', error_description: 'code expired' });
    expect(JSON.parse(JSON.stringify(e))).to.deep.equal(e.toJSON());
    expect(new InvalidGrant('').toJSON()).to.deep.equal({ error: 'invalid_grant' });
  });

  it('server_error carries a fixed text by default, so internals are never echoed (DESIGN rule 3)', () => {
    expect(new ServerError().description).to.equal('The server encountered an unexpected condition.');
    expect(new ServerError().toJSON()).to.deep.equal(new ServerError().toJSON());
  });

  it('every error has a description even when none is given', () => {
    for (const [Cls] of table) expect(new Cls().description, Cls.name).to.be.a('string').and.not.equal('');
  });

  it('isOAuthError rejects look-alikes', () => {
    for (const x of [new Error('x'), null, undefined, 'invalid_grant', { error: 'invalid_grant', status: 400 }]) expect(isOAuthError(x)).to.equal(false);
  });
});
