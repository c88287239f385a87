import { expect } from 'chai';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, encodeBasicAuthorization } from '../../src/index.ts';

// SQLite in WAL mode: commits go to the -wal file and a checkpoint copies them into the database. Gatehouse leaves
// that to SQLite's automatic checkpoint (every 1,000 WAL pages, in the commit that crosses them) and caps the WAL
// file left after a checkpoint.
describe('storage: WAL checkpoints keep the database file current and the WAL bounded (SQLite file)', function () {
  this.timeout(60_000);

  it('copies committed tokens into the database file while serving, and the WAL never outgrows its cap', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-wal-'));
    const file = join(dir, 'wal.sqlite');
    const app = await createApp({ env: 'test', database: { file } });
    try {
      const { url } = await app.listen(0, '127.0.0.1');
      const owner = await app.seed.user({ username: 'owner' });
      const { client, clientSecret } = await app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: [] });
      const auth = encodeBasicAuthorization(client.clientId, clientSecret!);
      expect(await app.stores.sql.get('pragma wal_autocheckpoint')).to.deep.equal({ wal_autocheckpoint: 1000 });
      expect(await app.stores.sql.get('pragma journal_size_limit')).to.deep.equal({ journal_size_limit: 64 * 1024 * 1024 });
      const before = statSync(file).size;
      let sent = 0;
      // Token requests until a checkpoint has moved pages into the database file (each commit appends a few pages).
      for (let round = 0; round < 200 && statSync(file).size === before; round++) {
        const answers = await Promise.all(Array.from({ length: 50 }, () => fetch(`${url}/o/token/`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' })));
        expect(answers.every((r) => r.status === 200)).to.equal(true);
        sent += answers.length;
      }
      expect(statSync(file).size, `the database file grew after ${sent} tokens`).to.be.greaterThan(before);
      expect(statSync(`${file}-wal`).size).to.be.at.most(64 * 1024 * 1024);
      const stored = await app.stores.sql.get<{ n: number }>('select count(*) as n from access_tokens');
      expect(stored!.n).to.equal(sent);
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
