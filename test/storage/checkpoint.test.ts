import { expect } from 'chai';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
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

  it('makes new database files with 2 KiB pages, and leaves an existing file its own page size and rows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-page-'));
    try {
      const fresh = join(dir, 'new.sqlite');
      const app = await createApp({ env: 'test', database: { file: fresh } });
      try {
        expect(await app.stores.sql.get('pragma page_size')).to.deep.equal({ page_size: 2048 });
        expect(await app.stores.sql.get('pragma journal_mode')).to.deep.equal({ journal_mode: 'wal' });
        await app.seed.user({ username: 'kept' });
      } finally { await app.close(); }
      // A file made with SQLite's default 4 KiB pages (as by an earlier Gatehouse): it opens, migrates and keeps them.
      const old = join(dir, 'old.sqlite');
      const db = new Database(old);
      db.pragma('page_size = 4096');
      db.exec('create table legacy (x integer)');
      db.close();
      const again = await createApp({ env: 'test', database: { file: old } });
      try {
        expect(await again.stores.sql.get('pragma page_size')).to.deep.equal({ page_size: 4096 });
        expect(await again.stores.sql.get("select count(*) as n from sqlite_master where name in ('legacy', 'access_tokens')")).to.deep.equal({ n: 2 });
      } finally { await again.close(); }
      const reopened = await createApp({ env: 'test', database: { file: fresh } });
      try {
        expect(await reopened.stores.sql.get('pragma page_size')).to.deep.equal({ page_size: 2048 });
        expect(await reopened.stores.sql.get("select count(*) as n from users where username = 'kept'")).to.deep.equal({ n: 1 });
      } finally { await reopened.close(); }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
