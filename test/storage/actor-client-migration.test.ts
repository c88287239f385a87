import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../src/config.ts';
import { initStorage, withMigrator } from '../../src/storage/orm.ts';
import { dialect, testDatabase } from '../database.ts';

/** The migration that adds access_tokens.actor_client_id: the first whose SQL names the column. */
async function columnMigration(): Promise<string> {
  const { sqliteMigrations } = await import('../../src/storage/migrations/sqlite/index.ts');
  const { postgresqlMigrations } = await import('../../src/storage/migrations/postgresql/index.ts');
  for (const m of dialect === 'postgresql' ? postgresqlMigrations : sqliteMigrations) if (/add (column )?\W*actor_client_id/.test(String(m.class))) return m.name;
  throw new Error('no migration adds access_tokens.actor_client_id');
}

// A client's deletion finds the tokens it acted in (RFC 8693 §4.1 delegation) by access_tokens.actor_client_id. A
// token delegated before that column existed holds its actor only inside the act JSON: without a backfill it would
// outlive its actor's deletion until it expired (review of issue 21).
describe('access_tokens.actor_client_id on a database with delegated tokens from before it (issue 21)', () => {
  it('the migrations fill it from act.sub for live delegated tokens, and leave every other row null', async function () {
    this.timeout(60_000);
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-actor-'));
    const db = await testDatabase({ empty: true, sqliteFile: join(dir, 'db.sqlite') });
    try {
      const orm = await withMigrator(await initStorage(resolveConfig({ env: 'test', database: db.database }), { migrate: false }));
      // A partial run would store its schema over the committed snapshot (src/storage/migrations/<dialect>).
      orm.config.get('migrations').snapshot = false;
      const all = (await orm.migrator.getPending()).map((m) => m.name);
      await orm.migrator.up({ to: all[all.indexOf(await columnMigration()) - 1] });
      const conn = orm.em.getConnection();
      const now = Date.now();
      await conn.execute(`insert into users (username, password_hash, is_admin, is_active, created_at, email_verified, initial_password) values ('owner', '!', false, true, ${now}, false, false)`);
      const [owner] = await conn.execute<{ id: number }[]>("select id from users where username = 'owner'");
      await conn.execute(`insert into applications (client_id, name, client_type, grant_types, redirect_uris, allowed_scopes, allowed_origins, token_endpoint_auth_method, owner_id, created_at, updated_at)
        values ('backend', 'backend', 'confidential', 'client_credentials', '', 'read', '', 'client_secret_basic', ${Number(owner!.id)}, ${now}, ${now})`);
      const [app] = await conn.execute<{ id: number }[]>("select id from applications where client_id = 'backend'");
      const token = (hash: string, act: string | null, expiresAt = now + 3600_000) => conn.execute(
        `insert into access_tokens (token_hash, application_id, scope, expires_at, created_at, act) values (?, ?, 'read', ?, ?, ?)`, [hash, Number(app!.id), expiresAt, now, act]);
      await token('delegated', JSON.stringify({ sub: 'actor-client' }));
      await token('nested', JSON.stringify({ sub: 'second-actor', act: { sub: 'first-actor' } }));
      await token('plain', null);
      await token('expired', JSON.stringify({ sub: 'actor-client' }), now - 1);
      await token('not-json', '{oops');
      await orm.migrator.up();
      expect(await orm.migrator.getPending()).to.have.length(0);
      const rows = await conn.execute<{ token_hash: string; actor_client_id: string | null }[]>('select token_hash, actor_client_id from access_tokens order by token_hash');
      expect(Object.fromEntries(rows.map((r: { token_hash: string; actor_client_id: string | null }) => [r.token_hash, r.actor_client_id]))).to.deep.equal({
        'delegated': 'actor-client', 'nested': 'second-actor', 'plain': null, 'expired': null, 'not-json': null,
      });
      await orm.close(true);
    } finally {
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
