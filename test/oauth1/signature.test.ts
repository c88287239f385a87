import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import { formatAuthorizationHeader, parseAuthorizationHeader, parseForm, percentEncode } from '../../src/oauth1/encoding.ts';
import { baseStringUri, collectParameters } from '../../src/oauth1/params.ts';
import { sign, signatureBaseString, signingKey, verifySignature } from '../../src/oauth1/signature.ts';
import { isOAuth1Error } from '../../src/oauth1/errors.ts';
import { RFC5849_1_2, RFC5849_3_4_1_1 } from '../fixtures/rfc5849.ts';

const rfcRequest = () => ({ method: RFC5849_3_4_1_1.method, url: RFC5849_3_4_1_1.url, authorization: RFC5849_3_4_1_1.authorization, formBody: parseForm(RFC5849_3_4_1_1.body) });

describe('RFC 5849 §3.4 signatures', () => {
  it('§3.4.1.1: builds the example signature base string exactly', () => {
    const { all } = collectParameters(rfcRequest());
    expect(signatureBaseString('POST', RFC5849_3_4_1_1.url, all)).to.equal(RFC5849_3_4_1_1.baseString);
  });

  it('§3.4.2: HMAC-SHA1 of the example (Errata 2550 secrets) is r6/TJjbCOr97/+UU0NsvSne7s5g=', () => {
    expect(sign('HMAC-SHA1', RFC5849_3_4_1_1.baseString, RFC5849_3_4_1_1.clientSecret, RFC5849_3_4_1_1.tokenSecret)).to.equal(RFC5849_3_4_1_1.signature);
  });

  it('§1.2: reproduces the photos.example.net resource request signature', () => {
    const r = RFC5849_1_2.resource;
    const { all, protocol } = collectParameters({ method: r.method, url: r.url, authorization: r.authorization });
    const base = signatureBaseString(r.method, r.url, all);
    expect(sign('HMAC-SHA1', base, RFC5849_1_2.consumerSecret, RFC5849_1_2.tokenCredentials.secret)).to.equal(r.signature);
    expect(protocol.oauth_signature).to.equal(r.signature);
    expect(verifySignature('HMAC-SHA1', base, r.signature, RFC5849_1_2.consumerSecret, RFC5849_1_2.tokenCredentials.secret)).to.equal(true);
  });

  it('§1.2 / §3.4.4: PLAINTEXT signatures are the encoded secrets joined by &', () => {
    expect(sign('PLAINTEXT', '', RFC5849_1_2.consumerSecret, '')).to.equal(RFC5849_1_2.initiateSignature);
    expect(sign('PLAINTEXT', '', RFC5849_1_2.consumerSecret, RFC5849_1_2.temporary.secret)).to.equal(RFC5849_1_2.tokenSignature);
    expect(signingKey('a&b', 'c d')).to.equal('a%26b&c%20d');
  });

  it('HMAC-SHA256 and RSA-SHA1 round-trip; a changed base string fails', () => {
    const base = RFC5849_3_4_1_1.baseString;
    const s256 = sign('HMAC-SHA256', base, 'cs', 'ts');
    expect(verifySignature('HMAC-SHA256', base, s256, 'cs', 'ts')).to.equal(true);
    expect(verifySignature('HMAC-SHA256', base + 'x', s256, 'cs', 'ts')).to.equal(false);
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
    const rsa = sign('RSA-SHA1', base, '', '', privateKey);
    expect(verifySignature('RSA-SHA1', base, rsa, '', '', publicKey)).to.equal(true);
    expect(verifySignature('RSA-SHA1', base + 'x', rsa, '', '', publicKey)).to.equal(false);
    expect(verifySignature('RSA-SHA1', base, rsa, '', '', 'not a key')).to.equal(false);
  });
});

describe('RFC 5849 §3.5/§3.6 parameters and encoding', () => {
  it('§3.6: percent-encodes everything but unreserved characters, in uppercase hex', () => {
    expect(percentEncode("Ladies + Gentlemen!*'()~")).to.equal('Ladies%20%2B%20Gentlemen%21%2A%27%28%29~');
    expect(percentEncode('☃')).to.equal('%E2%98%83');
  });

  it('§3.5.1: parses the Authorization header, leaving realm out', () => {
    const params = parseAuthorizationHeader(RFC5849_3_4_1_1.authorization);
    expect(params.map(([k]) => k)).to.not.include('realm');
    expect(Object.fromEntries(params).oauth_signature).to.equal('bYT5CMsGcbgUdFHObYMEfcx6bsw=');
    const header = formatAuthorizationHeader([['oauth_nonce', 'a b']], 'R');
    expect(parseAuthorizationHeader(header)).to.deep.equal([['oauth_nonce', 'a b']]);
  });

  it('§3.4.1.2: base string URI lowercases scheme and host and drops default ports', () => {
    expect(baseStringUri('HTTP://EXAMPLE.COM:80/r%20v/X?id=123')).to.equal('http://example.com/r%20v/X');
    expect(baseStringUri('https://www.example.net:8080/?q=1')).to.equal('https://www.example.net:8080/');
  });

  const problem = (fn: () => unknown) => { try { fn(); } catch (e) { if (isOAuth1Error(e)) return [e.status, e.problem]; throw e; } return null; };

  it('rejects a repeated protocol parameter, protocol parameters in two places, and oauth_version other than 1.0 (400)', () => {
    expect(problem(() => collectParameters({ method: 'GET', url: 'http://x.example/?oauth_nonce=a&oauth_nonce=b' }))).to.deep.equal([400, 'parameter_rejected']);
    expect(problem(() => collectParameters({ method: 'POST', url: 'http://x.example/', authorization: 'OAuth oauth_nonce="a"', formBody: [['oauth_token', 't']] }))).to.deep.equal([400, 'parameter_rejected']);
    expect(problem(() => collectParameters({ method: 'GET', url: 'http://x.example/?oauth_version=2.0' }))).to.deep.equal([400, 'version_rejected']);
    expect(problem(() => parseAuthorizationHeader('OAuth oauth_nonce="a", garbage'))).to.deep.equal([400, 'parameter_rejected']);
  });
});
