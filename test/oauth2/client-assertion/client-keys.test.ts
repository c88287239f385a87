import { expect } from 'chai';
import { ClientKeys, ClientKeysUnavailable } from '../../../src/oauth2/client-assertion/client-keys.ts';

// The jwks_uri cache's rules, on a fake clock: TTL, one refetch per interval on an unknown kid, failures
// remembered, one fetch per URL at a time, a bounded number of sets.
describe('private_key_jwt key sets from jwks_uri (cache limits)', () => {
  const set = (kid: string) => ({ keys: [{ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', kid }] });
  const limits = { ttlMs: 300_000, maxEntries: 2, refetchIntervalMs: 60_000, failureMemoryMs: 10_000 };
  const client = (url: string) => ({ jwks: null, jwksUri: url });

  it('a registered jwks is used as is; none registered is null', async () => {
    const keys = new ClientKeys(() => { throw new Error('no fetch'); }, limits);
    expect(await keys.of({ jwks: JSON.stringify(set('a')), jwksUri: null })).to.deep.equal(set('a'));
    expect(await keys.of({ jwks: null, jwksUri: null })).to.equal(null);
  });

  it('TTL, then refresh at most once per interval', async () => {
    let now = 0; let fetches = 0; let current = set('a');
    const keys = new ClientKeys(async () => { fetches++; return current; }, limits, () => now);
    await keys.of(client('https://a/jwks'));
    current = set('b');
    expect((await keys.of(client('https://a/jwks'), { refresh: true }))!.keys[0].kid).to.equal('a');
    expect(fetches).to.equal(1);
    now = 60_000;
    expect((await keys.of(client('https://a/jwks'), { refresh: true }))!.keys[0].kid).to.equal('b');
    expect(fetches).to.equal(2);
    now = 60_000 + 299_999;
    await keys.of(client('https://a/jwks'));
    expect(fetches).to.equal(2);
    now = 60_000 + 300_000;
    await keys.of(client('https://a/jwks'));
    expect(fetches).to.equal(3);
  });

  it('one fetch for concurrent callers; a failure is remembered, then tried again', async () => {
    let now = 0; let fetches = 0; let fail = true;
    const keys = new ClientKeys(async () => { fetches++; await new Promise((r) => setTimeout(r, 10)); if (fail) throw new Error('down'); return set('a'); }, limits, () => now);
    const all = await Promise.allSettled(Array.from({ length: 10 }, () => keys.of(client('https://b/jwks'))));
    expect(all.every((r) => r.status === 'rejected' && r.reason instanceof ClientKeysUnavailable)).to.equal(true);
    expect(fetches).to.equal(1);
    fail = false;
    now = 9_999;
    let error: unknown;
    try { await keys.of(client('https://b/jwks')); } catch (e) { error = e; }
    expect(error).to.be.instanceOf(ClientKeysUnavailable);
    expect(fetches).to.equal(1);
    now = 10_000;
    expect(await keys.of(client('https://b/jwks'))).to.deep.equal(set('a'));
    expect(fetches).to.equal(2);
  });

  it('at most maxEntries sets are kept (the oldest forgotten)', async () => {
    let fetches = 0;
    const keys = new ClientKeys(async () => { fetches++; return set('a'); }, limits, () => 0);
    for (const u of ['https://1/', 'https://2/', 'https://3/']) await keys.of(client(u));
    await keys.of(client('https://3/'));
    expect(fetches).to.equal(3);
    await keys.of(client('https://1/'));
    expect(fetches).to.equal(4);
  });

  it('a set with a private member or no keys is refused', async () => {
    const keys = new ClientKeys(async (url) => (url.endsWith('p') ? { keys: [{ ...set('a').keys[0], d: 'x' }] } : { keys: [] }), limits);
    for (const u of ['https://x/p', 'https://x/e']) {
      let error: unknown;
      try { await keys.of(client(u)); } catch (e) { error = e; }
      expect(error).to.be.instanceOf(ClientKeysUnavailable);
    }
  });
});
