// Fills a migrated Gatehouse SQLite file fast (one transaction, prepared statements): N stored tokens, plus
// pools of tokens whose plaintext the benchmark knows (introspection, bearer calls, refresh rotation).
import Database from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';

const sha = (t: string) => createHash('sha256').update(t).digest('hex');
const tok = () => randomBytes(32).toString('base64url');

export interface Seeded { access: string[]; refresh: string[]; adminToken: string }

export function seed(file: string, o: { stored: number; accessPool: number; refreshPool: number; clientId: string; clients: number }): Seeded {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  const app = db.prepare('select id, owner_id from applications where client_id = ?').get(o.clientId) as { id: number; owner_id: number };
  const now = Date.now();
  const farFuture = now + 365 * 24 * 3600 * 1000;
  const insAccess = db.prepare('insert into access_tokens (token_hash, application_id, user_id, grant_id, scope, family_id, expires_at, revoked_at, created_at) values (?, ?, ?, null, ?, ?, ?, null, ?)');
  const insRefresh = db.prepare('insert into refresh_tokens (token_hash, application_id, user_id, grant_id, scope, family_id, expires_at, used_at, revoked_at, created_at) values (?, ?, ?, null, ?, ?, ?, null, null, ?)');
  const insApp = db.prepare(`insert into applications (client_id, name, client_type, secret_hash, grant_types, redirect_uris, allowed_scopes, skip_authorization,
    allowed_origins, token_endpoint_auth_method, owner_id, created_at, updated_at, oauth1_enabled) values (?, ?, 'confidential', 'hmac-sha256$x', 'client_credentials', '', 'read', 0, '', 'client_secret_basic', ?, ?, ?, 0)`);
  const out: Seeded = { access: [], refresh: [], adminToken: tok() };
  db.transaction(() => {
    const have = (db.prepare('select count(*) as n from access_tokens').get() as { n: number }).n;
    for (let i = have; i < o.stored; i++) insAccess.run(sha(tok()), app.id, app.owner_id, 'read', null, i % 2 ? now - 1000 : farFuture, now);
    for (let i = 0; i < o.accessPool; i++) { const t = tok(); out.access.push(t); insAccess.run(sha(t), app.id, app.owner_id, 'read', null, farFuture, now); }
    for (let i = 0; i < o.refreshPool; i++) { const t = tok(); out.refresh.push(t); insRefresh.run(sha(t), app.id, app.owner_id, 'read', randomBytes(8).toString('hex'), farFuture, now); }
    insAccess.run(sha(out.adminToken), app.id, app.owner_id, 'admin', null, farFuture, now);
    const apps = (db.prepare('select count(*) as n from applications').get() as { n: number }).n;
    for (let i = apps; i < o.clients; i++) insApp.run(randomBytes(18).toString('base64url'), `Bench app ${i}`, app.owner_id, now, now);
  })();
  db.close();
  return out;
}
