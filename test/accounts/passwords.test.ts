import { expect } from 'chai';
import { DUMMY_PASSWORD_HASH, hashPassword, needsRehash, validatePasswordStrength, verifyPassword } from '../../src/accounts/passwords.ts';

const FORMAT = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([\w-]+)\$([\w-]+)$/;

describe('user passwords (scrypt, RFC 7914; parameters stored with the hash)', () => {
  it('round-trips: the right password verifies', async () => {
    const h = await hashPassword('correct horse battery staple');
    expect(await verifyPassword('correct horse battery staple', h)).to.equal(true);
  });

  it('a wrong password does not verify, even one character or case apart', async () => {
    const h = await hashPassword('correct horse');
    for (const pw of ['correct horsE', 'correct horse ', 'correct hors', '']) expect(await verifyPassword(pw, h), pw).to.equal(false);
  });

  it('records scheme, N, r, p, a 16-byte salt and a 32-byte key; defaults are N=2^14, r=8, p=1', async () => {
    const m = FORMAT.exec(await hashPassword('pw'));
    expect(m?.slice(1, 4)).to.deep.equal(['16384', '8', '1']);
    expect([Buffer.from(m![4], 'base64url').length, Buffer.from(m![5], 'base64url').length]).to.deep.equal([16, 32]);
  });

  it('records custom parameters, and verifies with them', async () => {
    const h = await hashPassword('pw', { N: 1024, r: 4, p: 2 });
    expect(FORMAT.exec(h)?.slice(1, 4)).to.deep.equal(['1024', '4', '2']);
    expect(await verifyPassword('pw', h)).to.equal(true);
    expect(await verifyPassword('pW', h)).to.equal(false);
  });

  it('salts every hash: the same password hashes differently each time', async () => {
    const [a, b] = await Promise.all([hashPassword('same', { N: 1024 }), hashPassword('same', { N: 1024 })]);
    expect(a).to.not.equal(b);
  });

  it('unicode passwords compare after NFKC, so the same text typed differently still matches', async () => {
    const h = await hashPassword('caf\u00e9 ﬁsh', { N: 1024 });
    expect(await verifyPassword('cafe\u0301 fish', h)).to.equal(true);
  });

  it('malformed or tampered stored values are a non-match, never a crash', async () => {
    const good = await hashPassword('x', { N: 1024 });
    const [, , r, p, salt, key] = good.split('$');
    const bad = [
      '', 'x', 'scrypt$', 'bcrypt$2b$10$abc', good.replace(/^scrypt/, 'SCRYPT'), `${good}$extra`,
      `scrypt$1000$${r}$${p}$${salt}$${key}`, // N not a power of two: scrypt itself would throw
      `scrypt$1$${r}$${p}$${salt}$${key}`, `scrypt$0$${r}$${p}$${salt}$${key}`, `scrypt$-1024$${r}$${p}$${salt}$${key}`,
      `scrypt$1024.0$${r}$${p}$${salt}$${key}`, `scrypt$0x400$${r}$${p}$${salt}$${key}`, `scrypt$abc$${r}$${p}$${salt}$${key}`,
      `scrypt$${2 ** 24}$${r}$${p}$${salt}$${key}`, `scrypt$1024$0$${p}$${salt}$${key}`, `scrypt$1024$${r}$999$${salt}$${key}`,
      `scrypt$1024$${r}$${p}$$${key}`, `scrypt$1024$${r}$${p}$${salt}$short`, `scrypt$1024$${r}$${p}$${salt}$`,
    ];
    for (const stored of bad) expect(await verifyPassword('x', stored), stored).to.equal(false);
  });

  describe('rehash on login', () => {
    it('asks for a rehash when parameters are weaker than today\'s defaults', async () => {
      expect(needsRehash(await hashPassword('x', { N: 1024 }))).to.equal(true);
      expect(needsRehash(await hashPassword('x', { N: 16384, r: 4 }))).to.equal(true);
      expect(needsRehash(await hashPassword('x'))).to.equal(false);
    });
    it('asks for a rehash of anything it cannot read', () => {
      for (const s of ['', 'bcrypt$2b$10$abc', 'scrypt$abc$8$1$aaaaaaaaaaa$bbbb', 'scrypt$16384$8$1$x$y']) expect(needsRehash(s), s).to.equal(true);
    });
  });

  describe('unknown usernames do the same work', () => {
    it('DUMMY_PASSWORD_HASH is a well-formed current hash', () => {
      expect(DUMMY_PASSWORD_HASH).to.match(FORMAT);
      expect(needsRehash(DUMMY_PASSWORD_HASH)).to.equal(false);
    });
    it('no password verifies against it', async () => {
      for (const pw of ['', 'password', 'x'.repeat(64)]) expect(await verifyPassword(pw, DUMMY_PASSWORD_HASH)).to.equal(false);
    });
  });

  describe('strength', () => {
    it('8 to 1024 characters', () => {
      for (const [pw, ok] of [['', false], ['1234567', false], ['12345678', true], ['x'.repeat(1024), true], ['x'.repeat(1025), false]] as const) {
        const problem = validatePasswordStrength(pw);
        if (ok) expect(problem, `${pw.length}`).to.equal(null);
        else expect(problem, `${pw.length}`).to.be.a('string').and.not.equal('');
      }
    });
  });
});
