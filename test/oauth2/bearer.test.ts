import { expect } from 'chai';
import { parseBearer, usesBearerScheme } from '../../src/oauth2/bearer.ts';

const token = (header: string | undefined) => { const c = parseBearer(header); return c.ok ? c.token : null; };
const refusal = (header: string | undefined) => { const c = parseBearer(header); return c.ok ? null : c.refusal; };

describe('RFC 6750 §2.1 Authorization Request Header Field', () => {
  it('reads the token of "Bearer" 1*SP b64token', () => {
    // RFC 6750 §2.1's example.
    expect(token('Bearer mF_9.B5f-4.1JqM')).to.equal('mF_9.B5f-4.1JqM');
    expect(token('Bearer abcXYZ019-._~+/')).to.equal('abcXYZ019-._~+/');
  });

  it('takes the scheme name case-insensitively (RFC 9110 §11.1)', () => {
    for (const scheme of ['bearer', 'BEARER', 'BeArEr']) expect(token(`${scheme} abc`)).to.equal('abc');
  });

  it('accepts one or more spaces between scheme and token (1*SP), and nothing else', () => {
    expect(token('Bearer  abc')).to.equal('abc');
    expect(refusal('Bearer\tabc')).to.equal('malformed');
    expect(refusal('Bearer \tabc')).to.equal('malformed');
  });

  it('allows "=" padding only at the end of the token', () => {
    expect(token('Bearer YWJj==')).to.equal('YWJj==');
    expect(refusal('Bearer ab=c')).to.equal('malformed');
    expect(refusal('Bearer ==')).to.equal('malformed');
  });

  it('refuses characters outside b64token, spaces inside and trailing whitespace', () => {
    for (const bad of ['Bearer a b', 'Bearer a,b', 'Bearer "abc"', 'Bearer abc ', 'Bearer ab%20c', 'Bearer é', 'Bearer a\u0000b']) {
      expect(refusal(bad), bad).to.equal('malformed');
    }
  });

  it('tells an empty token from a missing header and from another scheme', () => {
    expect(refusal('Bearer')).to.equal('empty');
    expect(refusal('Bearer ')).to.equal('empty');
    expect(refusal(undefined)).to.equal('absent');
    expect(refusal('')).to.equal('absent');
    expect(refusal('Basic YTpi')).to.equal('other_scheme');
    expect(refusal('OAuth oauth_token="x"')).to.equal('other_scheme');
    expect(refusal('Bearerabc')).to.equal('other_scheme');
    expect(refusal(' Bearer abc')).to.equal('other_scheme');
  });

  it('counts an empty or malformed Bearer header as a bearer request, other schemes not', () => {
    for (const h of ['Bearer abc', 'Bearer', 'Bearer a b']) expect(usesBearerScheme(parseBearer(h)), h).to.equal(true);
    for (const h of [undefined, 'Basic YTpi', 'Bearerabc']) expect(usesBearerScheme(parseBearer(h)), String(h)).to.equal(false);
  });
});
