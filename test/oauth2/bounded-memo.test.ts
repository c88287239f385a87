import { expect } from 'chai';
import { BoundedMap, boundedMemo } from '../../src/oauth2/bounded-memo.ts';

// The one bounded map behind every in-memory cache an attacker's fresh keys could grow (verified credentials, token
// lookups, DPoP proof keys, fetched JWK Sets and their failures, metadata document failures, registered key sets).
describe('BoundedMap and boundedMemo', () => {
  it('holds at most max entries, forgetting the oldest; setting a key again makes it the newest', () => {
    const m = new BoundedMap<string, number>(3);
    for (const [k, v] of [['a', 1], ['b', 2], ['c', 3]] as const) m.set(k, v);
    m.set('a', 10); // a is now the newest
    m.set('d', 4); // b, the oldest, goes
    expect([...m]).to.deep.equal([['c', 3], ['a', 10], ['d', 4]]);
    for (let i = 0; i < 10_000; i++) m.set(`fresh-${i}`, i);
    expect(m.size).to.equal(3);
    expect([...m.keys()]).to.deep.equal(['fresh-9997', 'fresh-9998', 'fresh-9999']);
  });

  it('boundedMemo computes a key once while it is remembered, and again once it was forgotten', () => {
    const memo = boundedMemo<string, number>(2);
    let made = 0;
    const make = () => ++made;
    expect(memo('x', make)).to.equal(1);
    expect(memo('x', make)).to.equal(1);
    memo('y', make);
    memo('z', make); // x forgotten
    expect(memo('x', make)).to.equal(4);
    expect(made).to.equal(4);
  });
});
