import { expect } from 'chai';
import { mintInTurn } from '../../src/oauth2/mint-turn.ts';

const minted = (n: number) => ({ rows: { access: { tokenHash: `h${n}` } }, response: { access_token: `t${n}` } });

describe('JWT mints in turns (issueAndRecord)', () => {
  it('mints asked for in one turn run together after it, in order, none at the call', async () => {
    const log: string[] = [];
    const asked = [1, 2, 3].map((n) => mintInTurn(() => { log.push(`mint ${n}`); return minted(n); }));
    log.push('asked');
    // Nothing between the three mints: no caller's continuation runs before the turn's last mint.
    const answered = asked.map((p, i) => p.then((m) => { log.push(`answer ${i + 1}`); return m.response.access_token; }));
    expect(await Promise.all(answered)).to.deep.equal(['t1', 't2', 't3']);
    expect(log).to.deep.equal(['asked', 'mint 1', 'mint 2', 'mint 3', 'answer 1', 'answer 2', 'answer 3']);
  });

  it('a mint that throws fails its own caller only, and the next turn starts afresh', async () => {
    const results = await Promise.allSettled([
      mintInTurn(() => minted(1)),
      mintInTurn(() => { throw new Error('no signing key'); }),
      mintInTurn(() => minted(3)),
    ]);
    expect(results.map((r) => r.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason.message).to.equal('no signing key');
    expect((await mintInTurn(() => minted(4))).response.access_token).to.equal('t4');
  });
});
