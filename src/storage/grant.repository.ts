import { tx, type Sql, type Step } from './sql.ts';
import { DeletedMeanwhile, RevokedMeanwhile, type GrantRecord, type GrantStore } from '../oauth2/store.ts';
import { holdUserTx } from './revocation.ts';

interface DbGrant { id: number; user_id: number; application_id: number; scope: string; claims: string; consented_origins: string | null; created_at: number; last_used_at: number | null; revoked_at: number | null }

const toRecord = (g: DbGrant): GrantRecord => ({
  id: g.id, userId: g.user_id, applicationId: g.application_id, scope: g.scope, claims: g.claims ?? '',
  consentedOrigins: g.consented_origins === null || g.consented_origins === undefined ? null : g.consented_origins.split(' ').filter(Boolean), createdAt: Number(g.created_at),
  lastUsedAt: g.last_used_at === null ? null : Number(g.last_used_at), revokedAt: g.revoked_at === null ? null : Number(g.revoked_at),
});

/**
 * The one write of a user's grant to a client (consent, password grant, device approval), in the caller's
 * transaction: one row per user and client (unique index). Consenting again after a revocation revives the row, its
 * life (created_at) starting anew, no earlier than the whole second after its revocation's (an ID Token's iat counts
 * seconds: one issued in the revocation's second must stay of the old life; attacker read 11, F4), and without its old
 * claims or origins; a live row keeps the claims and origins the
 * caller leaves undefined. The user's row is held first (holdUserTx), as a deactivation takes it: a write that began
 * before a deactivation committed waits for it, then refuses (RevokedMeanwhile), rather than reviving the grant the
 * deactivation revoked (attacker read 10, F1; second read 11, #1/#3: `insert … where exists (active user)` read the
 * user as of its statement's start on PostgreSQL, then revived the row once the deactivation let it go).
 */
export function* grantUpsertTx(g: { userId: number; applicationId: number; scope: string; claims?: string; addOrigins?: readonly string[]; now: number }): Step<number> {
  if (!(yield* holdUserTx(g.userId))) throw new RevokedMeanwhile('The user was deactivated meanwhile.');
  // Redirect origins consented to (issue 20) add to a live grant's, read with its row locked, so a revocation cannot
  // fall between the read and the write and leave the revived grant the old ones (attacker read 12).
  let origins: string | undefined;
  if (g.addOrigins !== undefined) {
    const old = yield* tx.get<{ consented_origins: string | null; revoked_at: unknown }>('select g.consented_origins, g.revoked_at from grants g where g.user_id = ? and g.application_id = ?', [g.userId, g.applicationId], { lock: 'g' });
    const kept = old && old.revoked_at === null ? (old.consented_origins ?? '').split(' ').filter(Boolean) : [];
    origins = [...new Set([...kept, ...g.addOrigins])].join(' ');
  }
  const keepIfLive = (column: string) => `case when grants.revoked_at is null then grants.${column} else excluded.${column} end`;
  yield* tx.run(`insert into grants (user_id, application_id, scope, claims, consented_origins, created_at, last_used_at, revoked_at)
    values (?, ?, ?, ?, ?, ?, null, null)
    on conflict (user_id, application_id) do update set scope = excluded.scope,
    claims = ${g.claims === undefined ? keepIfLive('claims') : 'excluded.claims'},
    consented_origins = ${origins === undefined ? keepIfLive('consented_origins') : 'excluded.consented_origins'},
    created_at = case when grants.revoked_at is null then grants.created_at
      when ? > (grants.revoked_at / 1000 + 1) * 1000 then ? else (grants.revoked_at / 1000 + 1) * 1000 end, revoked_at = null`,
  [g.userId, g.applicationId, g.scope, g.claims ?? '', origins ?? '', g.now, g.now, g.now]);
  // The client's deletion may have taken the row since (its grants go in batches before it): say so, never a null.
  const grant = yield* tx.get<{ id: number }>('select id from grants where user_id = ? and application_id = ?', [g.userId, g.applicationId]);
  if (!grant) throw new DeletedMeanwhile();
  return grant.id;
}

export class GrantRepository implements GrantStore {
  readonly #sql: Sql;
  constructor(sql: Sql) { this.#sql = sql; }

  async find(userId: number, applicationId: number) {
    const g = await this.#sql.get<DbGrant>('select * from grants where user_id = ? and application_id = ?', [userId, applicationId]);
    return g ? toRecord(g) : null;
  }

  async upsert(userId: number, applicationId: number, scope: string, now: number, claims?: string, added?: string[]) {
    await this.#sql.atomic(function* () {
      return yield* grantUpsertTx({ userId, applicationId, scope, claims, addOrigins: added, now });
    });
    const grant = await this.find(userId, applicationId);
    if (!grant) throw new DeletedMeanwhile();
    return grant;
  }

  async claimsOf(id: number) {
    return (await this.#sql.get<{ claims: string }>('select claims from grants where id = ? and revoked_at is null', [id]))?.claims ?? '';
  }

  async listForUser(userId: number) {
    const rows = await this.#sql.all<DbGrant & { client_name: string; client_id: string }>(
      `select g.*, a.name as client_name, a.client_id from grants g join applications a on a.id = g.application_id
       where g.user_id = ? and g.revoked_at is null order by g.id`, [userId]);
    return rows.map((r) => ({ ...toRecord(r), clientName: r.client_name, clientId: r.client_id }));
  }

  async touch(id: number, now: number) {
    await this.#sql.run('update grants set last_used_at = ? where id = ?', [now, id]);
  }
}
