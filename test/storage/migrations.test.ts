import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { initStorage, withMigrator } from '../../src/storage/orm.ts';
import { resolveConfig } from '../../src/config.ts';
import { sqliteMigrations } from '../../src/storage/migrations/sqlite/index.ts';

describe('storage: migrations', () => {
  it('apply cleanly to an empty database, create every table, and leave nothing pending', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-mig-'));
    try {
      const config = resolveConfig({ database: { file: join(dir, 'db.sqlite') } });
      const orm = await initStorage(config);
      const tables = (await orm.em.getConnection().execute("select name from sqlite_master where type = 'table'")).map((r: { name: string }) => r.name);
      expect(tables).to.include.members(['users', 'applications', 'grants', 'authorization_codes', 'access_tokens', 'refresh_tokens', 'events', 'sessions', 'mikro_orm_migrations']);
      expect(await orm.migrator.getPending()).to.have.length(0);
      const executed = await orm.migrator.getExecuted();
      expect(executed.map((m) => m.name)).to.deep.equal(sqliteMigrations.map((m) => m.name));
      // WAL keeps readers off the writer's back; the pragma is per database file.
      expect((await orm.em.getConnection().execute('pragma journal_mode'))[0].journal_mode).to.equal('wal');
      await orm.close(true);
      // A second start on the same file applies nothing and keeps the data.
      const again = await initStorage(config);
      expect(await (await withMigrator(again)).migrator.getPending()).to.have.length(0);
      await again.close(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('never write into the source tree: migrating a file that already holds other tables leaves the committed snapshot as it was', async () => {
    // MikroORM rewrites a dialect's snapshot after a migration run when the migrated schema differs from it (here the
    // foreign table): the snapshot is what `gatehouse makemigrations` diffs against, and is written only by it.
    const snapshot = new URL('../../src/storage/migrations/sqlite/.snapshot-gatehouse.json', import.meta.url);
    const before = readFileSync(snapshot, 'utf8');
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-snapshot-'));
    const file = join(dir, 'foreign.sqlite');
    const db = new Database(file);
    db.exec('create table legacy (x integer)');
    db.close();
    const cwd = process.cwd();
    process.chdir(new URL('../..', import.meta.url).pathname);
    try {
      const orm = await initStorage(resolveConfig({ database: { file } }));
      await orm.close(true);
      expect(readFileSync(snapshot, 'utf8')).to.equal(before);
    } finally {
      process.chdir(cwd);
      if (readFileSync(snapshot, 'utf8') !== before) writeFileSync(snapshot, before);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('match the entities: the schema a fresh migration run builds has no diff against the entity metadata', async () => {
    const orm = await initStorage(resolveConfig({ database: { file: ':memory:' } }));
    const diff = await orm.schema.getUpdateSchemaSQL({ wrap: false });
    expect(diff.trim()).to.equal('');
    await orm.close(true);
  });

  it('index nullable token columns only where set, and revocation and cascades still use those indexes', async () => {
    const orm = await initStorage(resolveConfig({ database: { file: ':memory:' } }));
    const conn = orm.em.getConnection();
    const partial = await conn.execute("select name from sqlite_master where type = 'index' and sql like '% where %is not null%' order by name");
    expect(partial.map((r: { name: string }) => r.name)).to.deep.equal([
      'access_tokens_actor_client_id_index', 'access_tokens_exchanged_from_index', 'access_tokens_grant_id_index', 'access_tokens_user_id_index',
      'events_user_id_index', 'refresh_tokens_grant_id_index', 'refresh_tokens_sid_index', 'refresh_tokens_user_id_index',
    ]);
    const plan = async (sql: string) => (await conn.execute(`explain query plan ${sql}`)).map((r: { detail: string }) => r.detail).join(' | ');
    // The statements token.repository.ts and admin.repository.ts run, with their parameters.
    // A family is found through its grant (family_id has no index: see token.repository.ts).
    for (const table of ['access_tokens', 'refresh_tokens']) {
      expect(await plan(`update ${table} set revoked_at = 1 where grant_id = 1 and family_id = 'f' and revoked_at is null`)).to.include(`USING INDEX ${table}_grant_id_index`);
    }
    expect(await plan('update access_tokens set revoked_at = 1 where grant_id = 1 and revoked_at is null')).to.include('USING INDEX access_tokens_grant_id_index');
    expect(await plan('update refresh_tokens set revoked_at = 1 where user_id = 1 and revoked_at is null')).to.include('USING INDEX refresh_tokens_user_id_index');
    // Revoking an access token follows what was exchanged from it (RFC 8693) by the exchanged_from index.
    const chain = `with recursive chain(token_hash) as (select cast('h' as varchar(64)) union select a.token_hash from access_tokens a join chain c on a.exchanged_from = c.token_hash)
      update access_tokens set revoked_at = 1 where token_hash in (select token_hash from chain) and revoked_at is null`;
    expect(await plan(chain)).to.include('USING INDEX access_tokens_exchanged_from_index');
    // A logout forgets its session on the refresh tokens (token.repository.ts forgetSession).
    expect(await plan("update refresh_tokens set sid = null where sid = 's'")).to.include('USING INDEX refresh_tokens_sid_index');
    // Deleting a user cascades to its tokens through the same indexes.
    expect(await plan('delete from users where id = 1')).to.match(/access_tokens USING COVERING INDEX access_tokens_user_id_index/);
    await orm.close(true);
  });

  it('store tokens and codes by hash in unique columns', async () => {
    const orm = await initStorage(resolveConfig({ database: { file: ':memory:' } }));
    const conn = orm.em.getConnection();
    for (const [table, column] of [['access_tokens', 'token_hash'], ['refresh_tokens', 'token_hash'], ['authorization_codes', 'code_hash'], ['applications', 'client_id']]) {
      const indexes = await conn.execute(`pragma index_list('${table}')`);
      const unique = [];
      for (const idx of indexes.filter((i: { unique: number }) => i.unique)) {
        const cols = await conn.execute(`pragma index_info('${idx.name}')`);
        unique.push(cols.map((c: { name: string }) => c.name).join(','));
      }
      expect(unique, table).to.include(column);
    }
    await orm.close(true);
  });
});
