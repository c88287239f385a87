import { expect } from 'chai';
import { MAX_RESOURCES, parseResourceParam } from '../../src/oauth2/resources.ts';
import { InvalidTarget } from '../../src/oauth2/errors.ts';

describe('RFC 8707 §2 resource parameters (parseResourceParam)', () => {
  const uris = (n: number) => Array.from({ length: n }, (_, i) => `https://api${i}.example/`);

  it('keeps order, drops duplicates (canonical forms compared), and takes MAX_RESOURCES distinct ones', () => {
    expect(parseResourceParam(`https://A.example https://a.example/ ${uris(MAX_RESOURCES - 1).join(' ')}`)).to.have.length(MAX_RESOURCES);
  });

  it('stops at the first resource past MAX_RESOURCES: what follows is never read (10,000 of them held the loop 1.3 s; second read 13)', () => {
    // A malformed value after the bound: refused for the count, which is reached first, not for the value.
    const e = (() => { try { parseResourceParam([...uris(MAX_RESOURCES + 1), 'not a uri#frag'].join(' ')); } catch (err) { return err; } return null; })();
    expect(e).to.be.instanceOf(InvalidTarget);
    expect((e as Error).message).to.include(`At most ${MAX_RESOURCES}`);
  });
});
