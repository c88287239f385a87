import { expect } from 'chai';
import { createHash } from 'node:crypto';
import {
  generateClientId, generateClientSecret, generateOrderedToken, generateToken, hashClientSecret, hashToken, timingSafeEqualString, verifyClientSecret,
} from '../../src/oauth2/tokens.ts';

const B64URL = /^[A-Za-z0-9_-]+$/;
const bits = (s: string) => Buffer.from(s, 'base64url').length * 8;

describe('RFC 6749 §10.10 credential guessing: generated values', () => {
  it('tokens are 256 bits of base64url by default, and distinct', () => {
    const t = generateToken();
    expect(t).to.match(B64URL);
    expect([t.length, bits(t)]).to.deep.equal([43, 256]);
    // 1,000 tokens cross several refills of the random pool: no byte is handed out twice.
    expect(new Set(Array.from({ length: 1000 }, () => generateToken())).size).to.equal(1000);
  });

  it('the size can be asked for in bytes', () => {
    expect(bits(generateToken(16))).to.equal(128);
    expect(bits(generateToken(64))).to.equal(512);
  });

  it('client ids carry at least 128 bits and are URL-safe', () => {
    const id = generateClientId();
    expect(id).to.match(B64URL);
    expect(bits(id)).to.be.at.least(128);
    expect(generateClientId()).to.not.equal(id);
  });

  it('client secrets carry 384 bits in 64 URL-safe characters: 64 octets, the key size HS512 needs (RFC 7518 §3.2)', () => {
    const s = generateClientSecret();
    expect(s).to.match(B64URL);
    expect([s.length, bits(s), Buffer.byteLength(s, 'utf8')]).to.deep.equal([64, 384, 64]);
    expect(generateClientSecret()).to.not.equal(s);
  });
});

describe('RFC 6819 §5.1.4.1.3 secrets at rest', () => {
  describe('token lookup hash', () => {
    it('is SHA-256 hex (FIPS 180-2 "abc" vector)', () => {
      expect(hashToken('abc')).to.equal('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    });
    it('is deterministic, 64 hex characters, and never the token itself', () => {
      const t = generateToken();
      expect(hashToken(t)).to.equal(hashToken(t)).and.match(/^[0-9a-f]{64}$/);
      expect(hashToken(t)).to.not.equal(t);
      expect(hashToken(t + 'x')).to.not.equal(hashToken(t));
    });
    it('for access/refresh tokens and codes: 52 characters, the issue time in base 36, then 256 random bits', () => {
      const at = Date.UTC(2026, 10, 24, 12, 0, 0, 123);
      const t = generateOrderedToken(at);
      expect(t).to.match(/^[0-9a-z]{9}[A-Za-z0-9_-]{43}$/);
      expect(parseInt(t.slice(0, 9), 36)).to.equal(at);
      expect(bits(t.slice(9))).to.equal(256);
      expect(new Set(Array.from({ length: 1000 }, () => generateOrderedToken(at))).size).to.equal(1000);
    });
    it('keys ordered tokens by their time prefix and 220 bits of SHA-256, so newer keys sort after older ones', () => {
      const t = generateOrderedToken(1_700_000_000_000);
      const key = hashToken(t);
      expect(key).to.have.length(64);
      expect(key.slice(0, 9)).to.equal(t.slice(0, 9));
      expect(key.slice(9)).to.equal(createHash('sha256').update(t).digest('hex').slice(0, 55));
      const keys = [1_700_000_000_000, 1_700_000_000_001, 1_800_000_000_000, 2_000_000_000_000].map((ms) => hashToken(generateOrderedToken(ms)));
      expect([...keys].sort()).to.deep.equal(keys);
      // A token of the older kind (43 characters), or anything else, keeps the plain SHA-256 key.
      const legacy = generateToken();
      expect(hashToken(legacy)).to.equal(createHash('sha256').update(legacy).digest('hex'));
      const lookalike = `${'A'.repeat(9)}${legacy}`;
      expect(hashToken(lookalike)).to.equal(createHash('sha256').update(lookalike).digest('hex'));
    });
    it('keys a JWT whose payload opens with an ordered jti (RFC 9068 access tokens) by that time prefix; any other JWT by plain SHA-256', () => {
      const seg = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const sha = (s: string) => createHash('sha256').update(s).digest('hex');
      const head = seg({ alg: 'ES256', kid: 'k', typ: 'at+jwt' });
      const jwtAt = (ms: number, claims: Record<string, unknown> = {}) => `${head}.${seg({ jti: generateOrderedToken(ms), iss: 'https://as.example', ...claims })}.c2ln`;
      const jwt = jwtAt(1_700_000_000_000);
      const jti = (JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as { jti: string }).jti;
      expect(hashToken(jwt)).to.equal(jti.slice(0, 9) + sha(jwt).slice(0, 55));
      const keys = [1_700_000_000_000, 1_800_000_000_000, 2_000_000_000_000].map((ms) => hashToken(jwtAt(ms)));
      expect([...keys].sort()).to.deep.equal(keys);
      // The digest covers the whole token: the same jti with another signature or claim is another key.
      expect(hashToken(`${jwt.slice(0, -4)}c2lo`)).to.not.equal(hashToken(jwt));
      // jti not first, no jti, a jti that is not ordered, a payload that is not base64url JSON: the plain digest.
      for (const other of [`${head}.${seg({ iss: 'x', jti: jti })}.c2ln`, `${head}.${seg({ sub: 'x' })}.c2ln`, `${head}.${seg({ jti: 'ABCDEFGHIJKL' })}.c2ln`, `${head}.!!!.c2ln`, 'a.b', '.']) {
        expect(hashToken(other)).to.equal(sha(other));
      }
    });
  });

  describe('client secret hash: HMAC-SHA-256 under a pepper, scheme recorded', () => {
    const pepper = 'server-side pepper';

    it('matches RFC 4231 test case 2 and is labelled hmac-sha256$', () => {
      const expected = Buffer.from('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843', 'hex').toString('base64url');
      expect(hashClientSecret('what do ya want for nothing?', 'Jefe')).to.equal(`hmac-sha256$${expected}`);
    });

    it('verifies the right secret', () => {
      const secret = generateClientSecret();
      expect(verifyClientSecret(secret, hashClientSecret(secret, pepper), pepper)).to.equal(true);
    });

    it('refuses a wrong secret, including a prefix or an extension of the right one', () => {
      const secret = generateClientSecret();
      const stored = hashClientSecret(secret, pepper);
      for (const guess of ['', 'x', secret.slice(0, -1), secret + 'x', secret.toUpperCase()]) expect(verifyClientSecret(guess, stored, pepper), guess).to.equal(false);
    });

    it('refuses the right secret under the wrong pepper (a stolen database alone cannot check guesses)', () => {
      const stored = hashClientSecret('s3cret', pepper);
      expect(verifyClientSecret('s3cret', stored, 'another pepper')).to.equal(false);
      expect(hashClientSecret('s3cret', 'another pepper')).to.not.equal(stored);
    });

    it('accepts a Buffer pepper, equivalent to the same bytes as a string', () => {
      const stored = hashClientSecret('s3cret', Buffer.from(pepper));
      expect(stored).to.equal(hashClientSecret('s3cret', pepper));
      expect(verifyClientSecret('s3cret', stored, Buffer.from(pepper))).to.equal(true);
    });

    it('refuses unknown schemes, tampering and malformed stored values without throwing', () => {
      const stored = hashClientSecret('s3cret', pepper);
      for (const bad of ['', 'hmac-sha256$', stored.replace('hmac-sha256$', 'scrypt$'), stored.replace('hmac-sha256$', 'HMAC-SHA256$'), stored.slice(0, -1),
        stored + 'A', 's3cret', `plain$s3cret`]) expect(verifyClientSecret('s3cret', bad, pepper), bad).to.equal(false);
    });
  });
});

describe('timing-safe string comparison', () => {
  it('is true only for identical strings', () => {
    expect(timingSafeEqualString('abc', 'abc')).to.equal(true);
    expect(timingSafeEqualString('', '')).to.equal(true);
    expect(timingSafeEqualString('ünï©ødé', 'ünï©ødé')).to.equal(true);
    expect(timingSafeEqualString('abc', 'abd')).to.equal(false);
    expect(timingSafeEqualString('abc', 'ABC')).to.equal(false);
  });

  it('unequal lengths are false, never an exception', () => {
    for (const [a, b] of [['abc', 'abcd'], ['', 'a'], ['a'.repeat(1000), 'a']]) expect(timingSafeEqualString(a, b), `${a.length}/${b.length}`).to.equal(false);
  });
});
