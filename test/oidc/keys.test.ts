import { expect } from 'chai';
import { compactVerify, createLocalJWKSet, CompactSign } from 'jose';
import { createTestApp, type TestServer } from '../helpers.ts';
import { KeyRing, SIGNING_ALGS, generateSigningKey } from '../../src/oidc/keys.ts';
import { parseKey } from '../../src/oauth1/secret-box.ts';

describe('OpenID Connect signing keys (Core §10.1, RFC 7517)', () => {
  let t: TestServer;
  let ring: KeyRing;
  let now: number;
  const sealKey = () => parseKey(t.app.config.encryptionKey);
  const rows = async () => (await t.app.orm.em.getConnection().execute('select kid, alg, status, slot, private_jwk_sealed, retired_at from signing_keys order by id')) as { kid: string; alg: string; status: string; slot: string | null; private_jwk_sealed: string; retired_at: number | null }[];

  beforeEach(async () => {
    t = await createTestApp();
    now = Date.now();
    ring = new KeyRing(t.app.stores.signingKeys, { sealKey: sealKey(), retainMs: () => 3600_000, cacheMs: 0, now: () => now });
  });
  afterEach(() => t.close());

  it('first start creates a current and a next key for RS256, ES256 and EdDSA, private halves sealed', async () => {
    await ring.ensure();
    const stored = await rows();
    for (const alg of SIGNING_ALGS) {
      expect(stored.filter((r) => r.alg === alg).map((r) => r.status).sort()).to.deep.equal(['current', 'next']);
    }
    for (const r of stored) {
      expect(r.private_jwk_sealed).to.match(/^v1\$/);
      expect(r.private_jwk_sealed).to.not.include('"d"');
    }
  });

  it('two instances starting together make one current key per algorithm (unique slot)', async () => {
    const other = new KeyRing(t.app.stores.signingKeys, { sealKey: sealKey(), retainMs: () => 3600_000 });
    await Promise.all([ring.ensure(), other.ensure(), ring.ensure()]);
    const stored = await rows();
    for (const alg of SIGNING_ALGS) expect(stored.filter((r) => r.alg === alg && r.status === 'current')).to.have.length(1);
    // The loser of the race signs with the winner's key.
    expect((await other.signingKey('RS256')).kid).to.equal((await ring.signingKey('RS256')).kid);
    // The store itself refuses a second current key.
    expect(await t.app.stores.signingKeys.insertIfFree(await generateSigningKey('ES256', 'current', sealKey(), now))).to.equal(false);
  });

  it('the JWKS publishes public members only, with kid, use=sig and alg, and verifies what the current key signs', async () => {
    const { keys } = await ring.jwks();
    expect(keys).to.have.length(6);
    for (const k of keys) {
      expect(k).to.include.keys('kid', 'kty', 'use', 'alg');
      expect(k.use).to.equal('sig');
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(k).to.not.have.property(secret);
    }
    for (const alg of SIGNING_ALGS) {
      const key = await ring.signingKey(alg);
      const jws = await new CompactSign(new TextEncoder().encode('hello')).setProtectedHeader({ alg, kid: key.kid }).sign(key.key);
      const { protectedHeader } = await compactVerify(jws, createLocalJWKSet({ keys }));
      expect(protectedHeader.kid).to.equal(key.kid);
    }
  });

  it('rotation promotes the published next key, keeps the retired key until its tokens expire, then deletes it', async () => {
    await ring.ensure();
    const before = await ring.jwks();
    const oldCurrent = (await ring.signingKey('RS256')).kid;
    const oldNext = (await rows()).find((r) => r.alg === 'RS256' && r.status === 'next')!.kid;

    // A next key signs only once relying parties can have fetched it (their cache and the ring's): refused before.
    let early: unknown;
    try { await ring.rotate(); } catch (e) { early = e; }
    expect(String(early)).to.match(/published 0 s ago/);
    now += 360_000;
    const [rs] = await ring.rotate();
    expect(rs).to.include({ alg: 'RS256', promoted: oldNext, retired: oldCurrent });
    expect((await ring.signingKey('RS256')).kid).to.equal(oldNext);
    // The new current key was published before it signed anything.
    expect(before.keys.map((k) => k.kid)).to.include(oldNext);
    const after = (await ring.jwks()).keys.map((k) => k.kid);
    expect(after).to.include.members([oldCurrent, oldNext, rs.published]);

    now += 3600_000 + 1;
    expect((await ring.jwks()).keys.map((k) => k.kid)).to.not.include(oldCurrent);
    const [again] = await ring.rotate();
    expect(again.deleted).to.equal(1);
    expect((await rows()).map((r) => r.kid)).to.not.include(oldCurrent);
    expect((await rows()).filter((r) => r.alg === 'RS256' && r.status === 'current')).to.have.length(1);
  });
});
