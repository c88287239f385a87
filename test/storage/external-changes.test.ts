import { expect } from 'chai';
import { watchExternalChanges } from '../../src/storage/external-changes.ts';

// The SQLite server's watch for other processes' commits (the end-to-end case, a token revoked through a second
// connection, is in test/http/token-cache.test.ts). Here: what it does when the counter cannot be read.
describe('watchExternalChanges', () => {
  const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('empties the caches when the version moves, and not while it stays', async () => {
    let version = 1;
    let changes = 0;
    const w = watchExternalChanges(() => version, () => { changes++; }, { everyMs: 10 });
    try {
      await tick(50);
      expect(changes).to.equal(0);
      version = 2;
      await tick(50);
      expect(changes).to.equal(1);
    } finally { w.stop(); }
  });

  it('while the version cannot be read, empties the caches on every check and reports the failure once', async () => {
    let broken = true;
    let changes = 0;
    const errors: unknown[] = [];
    let first = true;
    const w = watchExternalChanges(() => {
      if (first) { first = false; return 1; }
      if (broken) throw new Error('database is closed');
      return 1;
    }, () => { changes++; }, { everyMs: 10, onError: (e) => errors.push(e) });
    try {
      await tick(80);
      expect(changes, 'a cache emptied per failed check').to.be.at.least(3);
      expect(errors).to.have.length(1);
      broken = false;
      await tick(30);
      const settled = changes;
      await tick(50);
      expect(changes, 'no more emptying once it answers again, unchanged').to.equal(settled);
    } finally { w.stop(); }
  });
});
