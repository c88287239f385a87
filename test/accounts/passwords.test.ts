import { expect } from 'chai';
import { DUMMY_PASSWORD_HASH, hashPassword, needsRehash, validatePasswordStrength, verifyPassword } from '../../src/accounts/passwords.ts';

describe('user passwords (scrypt, parameters stored with the hash)', () => {
  it('round-trips and refuses a wrong password', async () => {
    const h = await hashPassword('correct horse');
    expect(h).to.match(/^scrypt\$16384\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(await verifyPassword('correct horse', h)).to.equal(true);
    expect(await verifyPassword('correct horsE', h)).to.equal(false);
  });
  it('treats malformed or absurd stored values as a non-match, never a crash', async () => {
    for (const bad of ['', 'scrypt$', 'bcrypt$x', 'scrypt$99999999$8$1$aa$bb', DUMMY_PASSWORD_HASH.replace(/\$[^$]+$/, '$short')]) expect(await verifyPassword('x', bad), bad).to.equal(false);
  });
  it('asks for a rehash when parameters are weaker than today\'s', async () => {
    expect(needsRehash(await hashPassword('x', { N: 1024 }))).to.equal(true);
    expect(needsRehash(await hashPassword('x'))).to.equal(false);
  });
  it('checks strength: 8 to 1024 characters', () => {
    expect(validatePasswordStrength('short')).to.be.a('string');
    expect(validatePasswordStrength('long enough')).to.equal(null);
  });
});
