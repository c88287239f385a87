import { expect } from 'chai';
import { encodeBasicAuthorization, extractClientCredentials, parseBasicAuthorization } from '../../src/oauth2/client-auth.ts';
import { isOAuthError } from '../../src/oauth2/errors.ts';
import { RFC6749_2_3_1, RFC6749_4_1_3_REQUEST, RFC6749_4_4_2_REQUEST } from '../fixtures/rfc.ts';

const failure = (fn: () => unknown) => {
  try { fn(); } catch (e) { if (isOAuthError(e)) return [e.status, e.error]; throw e; }
  return null;
};
const basic = (raw: string | Buffer) => `Basic ${Buffer.from(raw).toString('base64')}`;

describe('RFC 6749 §2.3.1 client password in HTTP Basic', () => {
  it('decodes the §2.3.1 example header', () => {
    expect(parseBasicAuthorization(RFC6749_2_3_1.authorization)).to.deep.equal({ clientId: RFC6749_2_3_1.clientId, clientSecret: RFC6749_2_3_1.clientSecret });
  });

  it('encodes the §2.3.1 example exactly, and the §4.1.3 / §4.4.2 requests carry it', () => {
    expect(encodeBasicAuthorization(RFC6749_2_3_1.clientId, RFC6749_2_3_1.clientSecret)).to.equal(RFC6749_2_3_1.authorization);
    expect(parseBasicAuthorization(RFC6749_4_1_3_REQUEST.headers.Authorization).clientId).to.equal('s6BhdRkqt3');
    expect(parseBasicAuthorization(RFC6749_4_4_2_REQUEST.headers.Authorization).clientId).to.equal('s6BhdRkqt3');
  });

  it('form-urlencodes id and secret (Appendix B), so ":", "+", "%", spaces and unicode survive a round trip', () => {
    for (const [id, secret] of [['id:1', 'a:b:c'], ['s6BhdRkqt3', 'a+b c'], ['x', '100%25 %zz'], ['ünï', 'ünï©ødé 🔑'], ['a&b=c', '=&?/#'], ['x', ''], ['x', ' ']]) {
      expect(parseBasicAuthorization(encodeBasicAuthorization(id, secret)), `${id} / ${secret}`).to.deep.equal({ clientId: id, clientSecret: secret });
    }
  });

  it('decodes "+" as space and then percent-escapes, per application/x-www-form-urlencoded', () => {
    expect(parseBasicAuthorization(basic('my+client:p%2Bw+d%3A'))).to.deep.equal({ clientId: 'my client', clientSecret: 'p+w d:' });
  });

  it('splits at the first colon: a raw colon in the secret stays in the secret', () => {
    expect(parseBasicAuthorization(basic('id:se:cr:et'))).to.deep.equal({ clientId: 'id', clientSecret: 'se:cr:et' });
  });

  it('the scheme name is case-insensitive (RFC 7235 §2.1); unpadded base64 is tolerated', () => {
    const token = RFC6749_2_3_1.authorization.slice('Basic '.length);
    for (const h of [`basic ${token}`, `BASIC ${token}`, `Basic   ${token}`, basic('ab:c').replace(/=+$/, '')]) expect(failure(() => parseBasicAuthorization(h)), h).to.equal(null);
  });

  it('malformed headers are invalid_client 401 with a Basic challenge', () => {
    for (const h of [
      'Basic', 'Basic ', 'Basic !!!', 'BasicczZCaGRSa3F0MzpnWDFmQmF0M2JW', 'Basic czZC aGRS',
      `Basic ${Buffer.from('ab:c?>').toString('base64url')}`, // base64url alphabet is not Basic's
      'Basic YR==', // non-canonical trailing bits
      basic('nocolon'), basic(':secret'), basic('%zz:x'), basic('id:%E0%A4%A'), basic(Buffer.from([0x69, 0x64, 0x3a, 0xff, 0xfe])),
    ]) {
      let caught: unknown;
      try { parseBasicAuthorization(h); } catch (e) { caught = e; }
      expect(isOAuthError(caught) && [caught.status, caught.error, caught.headers['WWW-Authenticate']], h).to.deep.equal([401, 'invalid_client', 'Basic realm="gatehouse"']);
    }
  });
});

describe('RFC 6749 §2.3 choosing the client authentication method', () => {
  const authorization = RFC6749_2_3_1.authorization;

  it('Basic header → client_secret_basic', () => {
    expect(extractClientCredentials({ authorization, body: {} })).to.deep.equal({ method: 'client_secret_basic', clientId: 's6BhdRkqt3', clientSecret: 'gX1fBat3bV' });
  });

  it('Basic with the same client_id in the body is still client_secret_basic', () => {
    expect(extractClientCredentials({ authorization, body: { client_id: 's6BhdRkqt3' } })?.method).to.equal('client_secret_basic');
  });

  it('§2.3: more than one method in a request (Basic and client_secret) is invalid_request', () => {
    expect(failure(() => extractClientCredentials({ authorization, body: { client_secret: 'gX1fBat3bV' } }))).to.deep.equal([400, 'invalid_request']);
    expect(failure(() => extractClientCredentials({ authorization, body: { client_id: 's6BhdRkqt3', client_secret: 'gX1fBat3bV' } }))).to.deep.equal([400, 'invalid_request']);
  });

  it('a body client_id that contradicts the Basic one is invalid_request', () => {
    expect(failure(() => extractClientCredentials({ authorization, body: { client_id: 'someone-else' } }))).to.deep.equal([400, 'invalid_request']);
  });

  it('body client_id and client_secret → client_secret_post', () => {
    expect(extractClientCredentials({ body: { client_id: 'a', client_secret: 'b' } })).to.deep.equal({ method: 'client_secret_post', clientId: 'a', clientSecret: 'b' });
  });

  it('a bare client_id is a public client (none); nothing at all is null', () => {
    expect(extractClientCredentials({ body: { client_id: 'a' } })).to.deep.equal({ method: 'none', clientId: 'a' });
    expect(extractClientCredentials({ body: {} })).to.equal(null);
    expect(extractClientCredentials({ authorization: '', body: { grant_type: 'client_credentials' } })).to.equal(null);
  });

  it('a client_secret without client_id is invalid_request', () => {
    expect(failure(() => extractClientCredentials({ body: { client_secret: 'b' } }))).to.deep.equal([400, 'invalid_request']);
  });

  it('repeated or structured parameters are invalid_request (§3.2: parameters MUST NOT be included more than once)', () => {
    for (const body of [{ client_id: ['a', 'b'] }, { client_id: 'a', client_secret: ['x', 'y'] }, { client_id: { a: 1 } }, { client_id: 5 }]) {
      expect(failure(() => extractClientCredentials({ body })), JSON.stringify(body)).to.deep.equal([400, 'invalid_request']);
    }
  });

  it('other Authorization schemes are not client authentication and are ignored here', () => {
    expect(extractClientCredentials({ authorization: 'Bearer abc', body: { client_id: 'a', client_secret: 'b' } })?.method).to.equal('client_secret_post');
    expect(extractClientCredentials({ authorization: 'Bearer abc', body: {} })).to.equal(null);
    expect(extractClientCredentials({ authorization: 'OAuth oauth_consumer_key="k"', body: {} })).to.equal(null);
  });

  it('a malformed Basic header is invalid_client, even when the body would authenticate', () => {
    expect(failure(() => extractClientCredentials({ authorization: 'Basic', body: {} }))).to.deep.equal([401, 'invalid_client']);
    expect(failure(() => extractClientCredentials({ authorization: 'basic !!!', body: { client_id: 'a' } }))).to.deep.equal([401, 'invalid_client']);
  });
});
