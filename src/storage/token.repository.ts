import { scopeStillAllowed } from '../oauth2/scope.ts';
import { tx, type Sql, type Step } from './sql.ts';
import { RevokedMeanwhile, type CodeRow, type FamilyRef, type IssuedRows, type RedeemResult, type TokenInfo, type TokenRow, type TokenStore } from '../oauth2/store.ts';
import type { TokenCache } from './token-cache.ts';
import { holdGrantTx, revokeExchangeChain, revokeGrantsTx } from './revocation.ts';
import { formatResources, splitResources } from '../oauth2/resources.ts';
import { readAct, writeAct } from '../oauth2/token-exchange/act.ts';

interface DbToken {
  token_hash: string; application_id: number; user_id: number | null; grant_id: number | null; scope: string;
  family_id: string | null; expires_at: number; created_at: number; revoked_at: number | null; used_at?: number | null;
  client_id: string; allowed_scopes: string; username: string | null; user_active: number | boolean | null;
  auth_time?: number | string | null; sid?: string | null; amr?: string; resource: string; act?: string | null; dpop_jkt: string | null;
}

const SELECT_TOKEN = (table: string, extra = '') => `select t.token_hash, t.application_id, t.user_id, t.grant_id, t.scope, t.family_id,
  t.expires_at, t.created_at, t.revoked_at, t.resource, t.dpop_jkt${extra}, a.client_id, a.allowed_scopes, u.username, u.is_active as user_active
  from ${table} t join applications a on a.id = t.application_id left join users u on u.id = t.user_id where t.token_hash = ?`;
const SELECT_ACCESS = SELECT_TOKEN('access_tokens', ', t.act');
const SELECT_REFRESH = SELECT_TOKEN('refresh_tokens', ', t.used_at, t.auth_time, t.sid, t.amr');
const INSERT_ACCESS = `insert into access_tokens (token_hash, application_id, user_id, grant_id, scope, family_id, expires_at, created_at, resource, dpop_jkt, act, exchanged_from, revoked_at, actor_client_id)
  values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
/**
 * RFC 8693 with RFC 7009: an access token and every token exchanged from it, down the chain (exchanged_from), that is
 * not yet revoked. The seed is cast so PostgreSQL knows its type in the recursive union.
 */
const REVOKE_EXCHANGE_CHAIN = revokeExchangeChain('select cast(? as varchar(64))');
/** The actor of a delegated token (act.sub) is a client neither deleted nor being deleted (ApplicationRepository.delete). */
const ACTOR_CLIENT_LIVE = 'select 1 as found from applications a where a.client_id = ? and a.grant_types <> ?';
// Refresh tokens also keep the login their family started with (OpenID Connect Core §12.2).
const INSERT_REFRESH = `insert into refresh_tokens (token_hash, application_id, user_id, grant_id, scope, family_id, expires_at, created_at, resource, dpop_jkt, auth_time, sid, amr)
  values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

function toInfo(r: DbToken, kind: 'access' | 'refresh'): TokenInfo {
  // A deactivated user's tokens stop working at once, without touching every row.
  const inactiveUser = r.user_id !== null && !r.user_active;
  return {
    kind, tokenHash: r.token_hash, applicationId: r.application_id, userId: r.user_id, grantId: r.grant_id, scope: scopeStillAllowed(r.scope, (r.allowed_scopes ?? '').split(' ')),
    familyId: r.family_id, expiresAt: Number(r.expires_at), createdAt: Number(r.created_at), clientId: r.client_id, username: r.username,
    revokedAt: r.revoked_at !== null ? Number(r.revoked_at) : inactiveUser ? 0 : null,
    usedAt: r.used_at != null ? Number(r.used_at) : null,
    resources: splitResources(r.resource),
    dpopJkt: r.dpop_jkt ?? null,
    ...(r.act ? { act: readAct(r.act) } : {}),
    ...(kind === 'refresh' ? { login: { authTime: r.auth_time == null ? null : Number(r.auth_time), sid: r.sid ?? null, amr: (r.amr ?? '').split(' ').filter(Boolean) } } : {}),
  };
}

const params = (t: TokenRow) => [t.tokenHash, t.applicationId, t.userId, t.grantId, t.scope, t.familyId, t.expiresAt, t.createdAt, formatResources(t.resources ?? []), t.dpopJkt ?? null];

const refreshParams = (t: TokenRow) => [...params(t), t.login?.authTime ?? null, t.login?.sid ?? null, (t.login?.amr ?? []).join(' ')];

/** `revokedAt`: an exchanged token whose subject token was revoked while it was being issued is stored revoked. */
const accessParams = (t: TokenRow, revokedAt: number | null = null) => [...params(t), writeAct(t.act), t.exchangedFrom ?? null, revokedAt, t.act?.sub ?? null];

/** The one way issued token rows are written (the code, refresh, device and exchange paths), inside a transaction. */
export function* insertRows(rows: IssuedRows): Step<void> {
  yield* tx.run(INSERT_ACCESS, accessParams(rows.access));
  if (rows.refresh) yield* tx.run(INSERT_REFRESH, refreshParams(rows.refresh));
}

/**
 * Revokes a family's live tokens. family_id has no index of its own: a refresh adds a row to each token table at
 * the family's place, scattered over every live family, and those two index pages were a third of a rotation's
 * writes (see storage/orm.ts on page size). Every token of a family carries the grant it came from, so the grant's
 * index finds them (every token of that grant not yet purged: ~1,400 rows a device for a client refreshing hourly,
 * read only when a family is revoked); a family without a grant is looked for by scanning.
 *
 * The grant's row is taken first, exclusively (PostgreSQL FOR UPDATE): a rotation or redemption holds it (FOR SHARE,
 * holdGrantTx) until its rows are written, so one in flight commits before these UPDATEs run and they see what it
 * wrote; one after finds its token revoked. Without it the UPDATEs missed a new refresh token a rotation was inserting,
 * and a thief rotating continuously outlived the victim's replay (second read 11, #2). A transaction that already
 * holds the grant shared must not call this (the upgrade would deadlock against another): reuse is answered first,
 * and the family revoked in a transaction of its own (revokeFamily).
 */
function* revokeFamilyTx(family: FamilyRef, now: number): Step<number> {
  if (family.grantId !== null) {
    // The user's gate, then the grant (see revokeGrantsTx): rotations arriving meanwhile queue behind it.
    yield* tx.gate('select user_id from grants where id = ?', [family.grantId]);
    yield* tx.get('select g.id from grants g where g.id = ?', [family.grantId], { lock: 'g' });
  }
  const [where, keys] = family.grantId !== null ? ['grant_id = ? and family_id = ?', [family.grantId, family.familyId]] : ['family_id = ?', [family.familyId]];
  return (yield* tx.run(`update access_tokens set revoked_at = ? where ${where} and revoked_at is null`, [now, ...keys]))
    + (yield* tx.run(`update refresh_tokens set revoked_at = ? where ${where} and revoked_at is null`, [now, ...keys]));
}

export class TokenRepository implements TokenStore {
  readonly #sql: Sql;
  readonly #cache: TokenCache;
  constructor(sql: Sql, cache: TokenCache) { this.#sql = sql; this.#cache = cache; }

  /** Runs a write that can end tokens' lives, then drops every cached lookup (see token-cache.ts). */
  async #ending<T>(write: Promise<T>): Promise<T> {
    try { return await write; } finally { this.#cache.clear(); }
  }

  /** A code under a grant is written while the grant is held and live (holdGrantTx): attacker read 9, F1. */
  async saveCode(c: CodeRow) {
    await this.#sql.atomic(function* (): Step<void> {
      if (c.grantId !== null && (yield* holdGrantTx('?', [c.grantId])) !== 'live') throw new RevokedMeanwhile('The grant was revoked meanwhile.');
      yield* tx.run(`insert into authorization_codes (code_hash, application_id, user_id, grant_id, redirect_uri, redirect_uri_provided, scope,
      code_challenge, code_challenge_method, family_id, nonce, auth_time, sid, amr, id_token_claims, expires_at, created_at, resource, dpop_jkt) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [c.codeHash, c.applicationId, c.userId, c.grantId, c.redirectUri, c.redirectUriProvided ? 1 : 0, c.scope, c.codeChallenge, c.codeChallengeMethod, c.familyId, c.nonce, c.authTime, c.sid, c.amr.join(' '), c.idTokenClaims, c.expiresAt, c.createdAt, formatResources(c.resources ?? []), c.dpopJkt ?? null]);
    });
  }

  async redeemCode(codeHash: string, now: number, decide: (code: CodeRow & { clientId: string }) => IssuedRows): Promise<RedeemResult<IssuedRows>> {
    let reused: FamilyRef | undefined;
    const result = await this.#sql.atomic(function* (): Step<RedeemResult<IssuedRows>> {
      // A code under a revoked grant never redeems, whenever it was written (the revocation spends those it finds).
      if ((yield* holdGrantTx('(select grant_id from authorization_codes where code_hash = ?)', [codeHash])) === 'ended') return { ok: false, reason: 'not_found' };
      // Locked (PostgreSQL): a concurrent redemption waits here, then sees the code spent and takes the reuse path.
      const r = yield* tx.get<Record<string, unknown>>('select c.*, a.client_id as app_client_id from authorization_codes c join applications a on a.id = c.application_id where c.code_hash = ?', [codeHash], { lock: 'c' });
      if (!r) return { ok: false, reason: 'not_found' };
      if (r.consumed_at !== null) {
        // RFC 6749 §4.1.2: a code used twice must be refused, and tokens issued from it should be revoked (below).
        reused = { familyId: r.family_id as string, grantId: r.grant_id as number | null };
        return { ok: false, reason: 'reused' };
      }
      const rows = decide({
        codeHash, applicationId: r.application_id as number, userId: r.user_id as number, grantId: r.grant_id as number | null,
        redirectUri: r.redirect_uri as string, redirectUriProvided: Boolean(r.redirect_uri_provided), scope: r.scope as string,
        codeChallenge: r.code_challenge as string | null, codeChallengeMethod: r.code_challenge_method as string | null,
        familyId: r.family_id as string, nonce: r.nonce as string | null, authTime: r.auth_time === null ? null : Number(r.auth_time), sid: r.sid as string | null, amr: String(r.amr ?? '').split(' ').filter(Boolean), idTokenClaims: String(r.id_token_claims ?? ''), resources: splitResources(r.resource as string | null), dpopJkt: (r.dpop_jkt as string | null) ?? null, expiresAt: Number(r.expires_at), createdAt: Number(r.created_at), clientId: r.app_client_id as string,
      });
      if ((yield* tx.run('update authorization_codes set consumed_at = ? where id = ? and consumed_at is null', [now, r.id])) !== 1) return { ok: false, reason: 'reused' };
      yield* insertRows(rows);
      return { ok: true, value: rows };
    });
    // Reuse: the family is revoked once the redemption's transaction (which held the grant shared) has ended.
    if (reused) await this.revokeFamily(reused, now);
    return result;
  }

  async rotateRefreshToken(tokenHash: string, now: number, decide: (token: TokenInfo) => IssuedRows): Promise<RedeemResult<IssuedRows>> {
    let reused: FamilyRef | undefined;
    const result = await this.#sql.atomic(function* (): Step<RedeemResult<IssuedRows>> {
      if ((yield* holdGrantTx('(select grant_id from refresh_tokens where token_hash = ?)', [tokenHash])) === 'ended') return { ok: false, reason: 'not_found' };
      const r = yield* tx.get<DbToken>(SELECT_REFRESH, [tokenHash], { lock: 't' });
      if (!r) return { ok: false, reason: 'not_found' };
      const info = toInfo(r, 'refresh');
      if (info.usedAt !== null && info.familyId) {
        // RFC 9700 §4.14.2: a rotated refresh token presented again means theft; revoke the whole family (below).
        reused = { familyId: info.familyId, grantId: info.grantId };
        return { ok: false, reason: 'reused' };
      }
      if (info.revokedAt !== null) return { ok: false, reason: 'not_found' };
      const rows = decide(info);
      if ((yield* tx.run('update refresh_tokens set used_at = ? where token_hash = ? and used_at is null', [now, tokenHash])) !== 1) return { ok: false, reason: 'reused' };
      yield* insertRows(rows);
      return { ok: true, value: rows };
    });
    // Reuse: the family is revoked once the redemption's transaction (which held the grant shared) has ended.
    if (reused) await this.revokeFamily(reused, now);
    return result;
  }

  async forgetSession(sid: string) {
    return this.#sql.run('update refresh_tokens set sid = null where sid = ?', [sid]);
  }

  /**
   * Writes a token issued on nothing redeemed (client_credentials alone: one coalesced INSERT), or under what can end
   * while it is written, each row held in the order their endings take them (so none waits on another in a cycle):
   * the actor's client (RFC 8693 §4.1; its deletion locks it first), the grant (holdGrantTx), the subject token. A
   * grant revoked or an actor deleted meanwhile refuses the issuance (RevokedMeanwhile): tokens written while either
   * ended outlived it (attacker read 8, F3 and F4).
   */
  async issue(rows: IssuedRows) {
    const { exchangedFrom: from, grantId, act } = rows.access;
    if (!from && grantId === null && !act && !rows.refresh) { await this.#sql.run(INSERT_ACCESS, accessParams(rows.access)); return; }
    await this.#sql.atomic(function* (): Step<void> {
      // RFC 8693 §4.1: the actor's client, live (a deletion's first step takes its grant types): its deletion revokes
      // what it acted in by actor_client_id, among rows written before it, so one written after must not be.
      if (act && !(yield* tx.get(ACTOR_CLIENT_LIVE, [act.sub, ''], { lock: 'a', share: true }))) throw new RevokedMeanwhile('The actor client was deleted meanwhile.');
      if (grantId !== null && (yield* holdGrantTx('?', [grantId])) !== 'live') throw new RevokedMeanwhile('The grant was revoked meanwhile.');
      if (!from) { yield* insertRows(rows); return; }
      // RFC 8693: the subject token's row is locked while its exchanged token is written, so a revocation either
      // comes first (the new token is stored revoked with it) or waits and then finds it (revokeAccessToken).
      const subject = yield* tx.get<{ revoked_at: number | string | null }>('select t.revoked_at from access_tokens t where t.token_hash = ?', [from], { lock: 't' });
      const revokedAt = subject ? subject.revoked_at : rows.access.createdAt;
      yield* tx.run(INSERT_ACCESS, accessParams(rows.access, revokedAt === null ? null : Number(revokedAt)));
    });
  }

  async findAccessToken(tokenHash: string) {
    const now = Date.now();
    const cached = this.#cache.get(tokenHash, now);
    if (cached) return cached;
    const generation = this.#cache.generation;
    const r = await this.#sql.get<DbToken>(SELECT_ACCESS, [tokenHash]);
    if (!r) return null;
    const info = toInfo(r, 'access');
    this.#cache.set(tokenHash, info, generation, now);
    return info;
  }

  async findRefreshToken(tokenHash: string) {
    const r = await this.#sql.get<DbToken>(SELECT_REFRESH, [tokenHash]);
    return r ? toInfo(r, 'refresh') : null;
  }

  /**
   * RFC 7009 §2.1 with RFC 8693: the token and what was exchanged from it, down the chain. Repeated until nothing is
   * left (PostgreSQL): an exchange that held a link's row while this statement ran commits its token after this
   * statement's snapshot, and the next statement finds it. Exchanges of a revoked token are refused or stored revoked.
   */
  async revokeAccessToken(tokenHash: string, now: number) {
    return this.#ending((async () => {
      let revoked = 0;
      for (;;) {
        const more = await this.#sql.run(REVOKE_EXCHANGE_CHAIN, [tokenHash, now]);
        if (more === 0) return revoked;
        revoked += more;
      }
    })());
  }

  revokeFamily(family: FamilyRef, now: number) {
    return this.#ending(this.#sql.atomic(() => revokeFamilyTx(family, now)));
  }

  revokeByGrant(grantId: number, now: number) {
    return this.#ending(this.#sql.atomic(() => revokeGrantsTx('id', grantId, now)));
  }
}
