import { expect } from 'chai';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, encodeBasicAuthorization } from '../../src/index.ts';

// SQLite in WAL mode: commits go to the -wal file and a checkpoint copies them into the database. Gatehouse turns
// the automatic (in-commit, on the event loop) checkpoint off and runs it from a worker thread instead.
describe('storage: WAL checkpoints run beside the event loop (SQLite file)', function () {
  this.timeout(30_000);

  it('copies committed pages into the database file without any request doing it, and stops cleanly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-wal-'));
    const file = join(dir, 'wal.sqlite');
    const app = await createApp({ env: 'test', database: { file } });
    try {
      const { url } = await app.listen(0, '127.0.0.1');
      const owner = await app.seed.user({ username: 'owner' });
      const { client, clientSecret } = await app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: [] });
      const auth = encodeBasicAuthorization(client.clientId, clientSecret!);
      expect(await app.stores.sql.get<{ wal_autocheckpoint: number }>('pragma wal_autocheckpoint')).to.deep.equal({ wal_autocheckpoint: 0 });
      const before = statSync(file).size;
      for (let i = 0; i < 10; i++) {
        await Promise.all(Array.from({ length: 50 }, () => fetch(`${url}/o/token/`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' })));
      }
      expect(statSync(`${file}-wal`).size, 'the commits went to the WAL').to.be.greaterThan(0);
      let grown = false;
      for (let i = 0; i < 40 && !grown; i++) {
        await new Promise((r) => setTimeout(r, 100));
        grown = statSync(file).size > before;
      }
      expect(grown, 'the checkpoint thread copied the new pages into the database file').to.equal(true);
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
