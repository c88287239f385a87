import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestApp, type TestServer } from '../helpers.ts';
import { actors, type Gql } from '../graphql/gql-helpers.ts';
import { createUser } from '../../src/accounts/users.ts';
import { resolveConfig } from '../../src/config.ts';
import { initStorage, withMigrator } from '../../src/storage/orm.ts';
import { isUniqueViolation } from '../../src/storage/unique.ts';
import { dialect, testDatabase } from '../database.ts';

const CREATE = 'mutation($i: CreateUserInput!) { createUser(input: $i) { user { id username } } }';
/** 50 spellings of one name that differ only by case: `alicE`, `aLice`, ... (all distinct). */
const variants = (base: string, n = 50) => Array.from({ length: n }, (_, i) => [...base].map((c, j) => ((i >> j) & 1 ? c.toUpperCase() : c)).join(''));

// Usernames are unique whatever their case (Django's username__iexact), and the database decides it: the check
// before the insert is only the friendly answer, a unique index on lower(username) is the rule (issue 21).
describe('usernames unique ignoring case, under concurrency (issue 21)', () => {
  let srv: TestServer;
  let admin: Gql;
  before(async () => {
    srv = await createTestApp();
    admin = (await actors(srv)).admin;
  });
  after(() => srv.close());

  const accounts = async (name: string) => (await srv.app.stores.sql.all<{ username: string }>('select username from users where lower(username) = ?', [name])).map((r) => r.username);

  it('50 concurrent GraphQL createUser mutations of case variants over HTTP: one account, every other answer "taken"', async () => {
    const names = variants('carolynn');
    expect(names).to.have.length(50);
    const answers = await Promise.all(names.map((username) => admin(CREATE, { i: { username, password: 'a long enough password 1' } })));
    const created = answers.filter((a) => a.data?.createUser?.user);
    expect(created, JSON.stringify(answers.filter((a) => !a.data?.createUser).slice(0, 2))).to.have.length(1);
    for (const a of answers.filter((x) => !x.data?.createUser)) {
      expect(a.status).to.equal(200);
      expect(a.errors![0].extensions.code).to.equal('BAD_USER_INPUT');
      expect(a.errors![0].extensions.fields).to.deep.equal([{ path: ['input', 'username'], message: 'That username is taken.' }]);
    }
    expect(await accounts('carolynn')).to.deep.equal([created[0].data.createUser.user.username]);
  });

  it('50 concurrent createUser calls of the core (the CLI createuser and first-start path): one account, the rest taken', async () => {
    const names = variants('danielle');
    const results = await Promise.all(names.map((username) => srv.app.withContext(() => createUser(srv.app.stores.users, { username, password: 'a long enough password 1' }))));
    expect(results.filter((r) => r.ok)).to.have.length(1);
    for (const r of results.filter((x) => !x.ok)) expect(r).to.deep.equal({ ok: false, errors: { username: 'That username is taken.' } });
    expect(await accounts('danielle')).to.have.length(1);
  });

  it('a case variant inserted straight into the database is refused by the index itself', async () => {
    await srv.app.seed.user({ username: 'Eleanor' });
    let error: unknown;
    try {
      await srv.app.stores.sql.run("insert into users (username, password_hash, is_admin, is_active, created_at, email_verified, initial_password) values ('eLEANOR', '!', false, true, 0, false, false)", []);
    } catch (e) { error = e; }
    expect(isUniqueViolation(error), String(error)).to.equal(true);
    expect(await accounts('eleanor')).to.deep.equal(['Eleanor']);
  });
});

describe('the lower(username) index on a database that already holds case variants (issue 21)', () => {
  it('the migration refuses, names the conflicting users, and changes nothing; after a rename it applies', async function () {
    this.timeout(60_000);
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-case-'));
    const db = await testDatabase({ empty: true, sqliteFile: join(dir, 'db.sqlite') });
    try {
      const config = resolveConfig({ env: 'test', database: db.database });
      const orm = await withMigrator(await initStorage(config, { migrate: false }));
      // A partial run would store its schema over the committed snapshot (src/storage/migrations/<dialect>).
      orm.config.get('migrations').snapshot = false;
      const all = (await orm.migrator.getPending()).map((m) => m.name);
      const index = await indexMigration();
      await orm.migrator.up({ to: all[all.indexOf(index) - 1] });
      const conn = orm.em.getConnection();
      for (const name of ['Frank', 'frank', 'FRANK', 'grace']) {
        await conn.execute(`insert into users (username, password_hash, is_admin, is_active, created_at, email_verified, initial_password) values ('${name}', '!', false, true, 0, false, false)`);
      }
      let error: Error | undefined;
      try { await orm.migrator.up(); } catch (e) { error = e as Error; }
      expect(error, 'the migration should refuse').to.be.instanceOf(Error);
      expect(error!.message).to.match(/Frank \(id \d+\), frank \(id \d+\), FRANK \(id \d+\)/).and.to.include('differ only by case').and.not.include('grace');
      expect((await orm.migrator.getExecuted()).map((m) => m.name)).to.not.include(index);
      // The operator renames one and merges the other, and the migration goes through.
      await conn.execute("update users set username = 'frank2' where username = 'frank'");
      await conn.execute("delete from users where username = 'FRANK'");
      await orm.migrator.up();
      expect(await orm.migrator.getPending()).to.have.length(0);
      await orm.close(true);
    } finally {
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The migration that adds the index: the first whose SQL creates users_username_lower_unique. */
async function indexMigration(): Promise<string> {
  const { sqliteMigrations } = await import('../../src/storage/migrations/sqlite/index.ts');
  const { postgresqlMigrations } = await import('../../src/storage/migrations/postgresql/index.ts');
  const list = dialect === 'postgresql' ? postgresqlMigrations : sqliteMigrations;
  for (const m of list) if (String(m.class).includes('users_username_lower_unique')) return m.name;
  throw new Error('no migration creates users_username_lower_unique');
}
