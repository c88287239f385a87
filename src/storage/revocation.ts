import { scopeUserMayNotHold } from '../oauth2/scope.ts';
import { tx, type Step } from './sql.ts';

/**
 * Ends every credential issued under one user, client or grant, in the caller's transaction: access, refresh and
 * OAuth 1 tokens are revoked (RFC 7009 §2.1), pending authorization codes are spent, so none redeems later
 * (RFC 6749 §4.1.2: a spent code is refused and what it issued is revoked), and device codes not yet redeemed are
 * denied, so the device's next poll hears access_denied (RFC 8628 §3.5; an approved code polled after its user revoked
 * the grant got tokens: attacker read 8, F1). The caller changes the grants' rows first (holdGrantTx). Returns how many
 * stopped working.
 */
export function* revokeCredentialsTx(column: 'user_id' | 'application_id' | 'grant_id', value: number, now: number): Step<number> {
  return (yield* tx.run(`update access_tokens set revoked_at = ? where ${column} = ? and revoked_at is null`, [now, value]))
    + (yield* tx.run(`update refresh_tokens set revoked_at = ? where ${column} = ? and revoked_at is null`, [now, value]))
    + (yield* tx.run(`update oauth1_tokens set revoked_at = ? where ${column} = ? and revoked_at is null`, [now, value]))
    + (yield* tx.run(`update authorization_codes set consumed_at = ? where ${column} = ? and consumed_at is null`, [now, value]))
    + (yield* tx.run(`update device_codes set status = 'denied' where ${column} = ? and status in ('pending', 'approved')`, [value]));
}

/**
 * Issuance's first step under a grant: the grant's row, held until the tokens are written (PostgreSQL: FOR SHARE, so
 * issuances under one grant do not wait for each other). Revocation changes the grant's row first, so whichever of
 * the two comes second sees the other: an issuance after it finds the grant revoked (and its code spent, its refresh
 * token revoked, its device code denied), a revocation after it finds the tokens it wrote. Without it, tokens written
 * while a revocation ran outlived it (attacker read 8, F4). Taken before any other row, in the order revocation takes
 * them, so the two never wait for each other in a cycle. `grantId` is `?` or a scalar subquery naming the grant through
 * the row the issuance redeems. Says whether the grant is live, ended (revoked, or its user inactive) or absent (no such
 * grant, or no row naming one): each caller reads the one answer the same way.
 */
export type GrantHold = 'live' | 'ended' | 'absent';
export function* holdGrantTx(grantId: string, params: unknown[]): Step<GrantHold> {
  // The grant's user first, as a deactivation takes it (then the user's grants): a grant whose user is inactive is as
  // good as revoked (0), so nothing is issued to a user deactivated while the request ran (attacker read 10, F1).
  const u = yield* tx.get<{ is_active: number | boolean; is_admin: number | boolean }>(`select u.is_active, u.is_admin from users u where u.id = (select g0.user_id from grants g0 where g0.id = ${grantId})`, params, { lock: 'u', share: true, gate: 'u.id' });
  const g = yield* tx.get<{ revoked_at: number | string | null; scope: string | null }>(`select g.revoked_at, g.scope from grants g where g.id = ${grantId}`, params, { lock: 'g', share: true });
  if (!g) return 'absent';
  // Likewise a grant holding a scope its user may no longer hold (`admin` of a demoted administrator): an issuance that
  // checked the user before the demotion and wrote after it issues nothing under it (second read 13).
  const outgrown = u !== undefined && scopeUserMayNotHold((g.scope ?? '').split(' '), { isAdmin: Boolean(u.is_admin) }) !== undefined;
  return g.revoked_at === null && u?.is_active && !outgrown ? 'live' : 'ended';
}

/** SQL: the space-separated scopes in `column` hold the one given as the next parameter, `holdsScopeParam(scope)`. */
export const holdsScope = (column: string) => `(' ' || ${column} || ' ') like ?`;
export const holdsScopeParam = (scope: string) => `% ${scope} %`;

/**
 * Revokes a client's live access and refresh tokens whose scope holds any of `scopes`: privileged scopes an
 * administrator took from the client (ApplicationRepository.update). Returns how many tokens stopped working.
 */
export function* revokeClientTokensHoldingTx(applicationId: number, scopes: readonly string[], now: number): Step<number> {
  let n = 0;
  for (const table of ['access_tokens', 'refresh_tokens']) {
    for (const scope of scopes) {
      n += yield* tx.run(`update ${table} set revoked_at = ? where application_id = ? and revoked_at is null and ${holdsScope('scope')}`, [now, applicationId, holdsScopeParam(scope)]);
    }
  }
  return n;
}

/**
 * A user's row, held until the caller's transaction ends (PostgreSQL: FOR SHARE, so writes for one user do not wait
 * for each other, while a deactivation, which updates the row first, waits for them or they for it and then read its
 * outcome). Returns whether the user exists and is active.
 */
export function* holdUserTx(userId: number): Step<boolean> {
  const u = yield* tx.get<{ is_active: number | boolean }>('select u.is_active from users u where u.id = ?', [userId], { lock: 'u', share: true, gate: 'u.id' });
  return Boolean(u?.is_active);
}

/**
 * The one revocation of grants: one grant (`id`), or every grant of a user or a client. The grants' rows first (see
 * holdGrantTx; a deactivation has changed the user's row before), then everything issued under them, in the caller's
 * transaction, so nothing issued in between survives. Used by the revocation of a grant (TokenStore.revokeByGrant), the
 * admin API's revocations of a user's or client's everything, and a user's deactivation (UserRepository.setActive).
 */
export function* revokeGrantsTx(by: 'id' | 'user_id' | 'application_id', value: number, now: number): Step<number> {
  // The user's gate first (sql-tx.ts): issuances for that user wait behind this revocation instead of starving it.
  if (by === 'id') yield* tx.gate('select user_id from grants where id = ?', [value]);
  if (by === 'user_id') yield* tx.gate('?', [value]);
  yield* tx.run(`update grants set revoked_at = ? where ${by} = ? and revoked_at is null`, [now, value]);
  return yield* revokeCredentialsTx(by === 'id' ? 'grant_id' : by, value, now);
}

/**
 * RFC 8693 with RFC 7009: an UPDATE revoking the access tokens `seed` selects (by token_hash) and every token exchanged
 * from them, down the chain through exchanged_from's index, that is not yet revoked. Parameters: the seed's, then the
 * time. One text for the revocation endpoint's chain and the client deletion's.
 */
export const revokeExchangeChain = (seed: string) => `with recursive chain(token_hash) as (
    ${seed}
    union select a.token_hash from access_tokens a join chain c on a.exchanged_from = c.token_hash)
  update access_tokens set revoked_at = ? where token_hash in (select token_hash from chain) and revoked_at is null`;

/** Access tokens a client's deletion takes at a time (placeholders padded to it, so the statements' texts are fixed). */
export const CLIENT_TOKEN_BATCH = 500;
const BATCH_MARKS = Array(CLIENT_TOKEN_BATCH).fill('?').join(', ');

/**
 * Whether any token was exchanged from the given ones, and the revocation of everything exchanged from them, down the
 * chain (RFC 8693; other clients' rows). Both start from the hashes through exchanged_from's index: a join from the
 * batch's ids let PostgreSQL scan the whole table (and JIT-compile the plan) for every batch (attacker read 7, F1).
 * Most batches have nothing exchanged from them and stop at the first, one index probe a token.
 */
const ANY_EXCHANGED_FROM = `select 1 as found from access_tokens where exchanged_from in (${BATCH_MARKS}) limit 1`;
const REVOKE_EXCHANGED_FROM = revokeExchangeChain(`select a.token_hash from access_tokens a where a.exchanged_from in (${BATCH_MARKS})`);

/**
 * One batch of a client's deletion: up to CLIENT_TOKEN_BATCH of its access tokens, with every token exchanged from
 * them (other clients' rows, which the cascade would not reach). The rows are revoked first, which locks them on
 * PostgreSQL: an exchange holding one as its subject has committed (and its token is in the chain) or waits and then
 * finds the subject gone (stored revoked, TokenRepository.issue). Returns how many of the client's tokens went.
 */
export function* deleteClientTokenBatchTx(applicationId: number, now: number): Step<number> {
  const rows = yield* tx.all<{ id: number; token_hash: string }>(`select id, token_hash from access_tokens where application_id = ? limit ${CLIENT_TOKEN_BATCH}`, [applicationId]);
  if (!rows.length) return 0;
  const pad = <T>(values: T[], filler: T) => [...values, ...Array<T>(CLIENT_TOKEN_BATCH - values.length).fill(filler)];
  const ids = pad(rows.map((r) => Number(r.id)), 0);
  const hashes = pad(rows.map((r) => r.token_hash), '');
  yield* tx.run(`update access_tokens set revoked_at = ? where id in (${BATCH_MARKS}) and revoked_at is null`, [now, ...ids]);
  if (yield* tx.get(ANY_EXCHANGED_FROM, hashes)) yield* tx.run(REVOKE_EXCHANGED_FROM, [...hashes, now]);
  yield* tx.run(`delete from access_tokens where id in (${BATCH_MARKS})`, ids);
  return rows.length;
}

/** Tokens delegated to a client as actor (RFC 8693 §4.1 act.sub), and what was exchanged from them, down the chain. */
const ANY_ACTED_BY = 'select 1 as found from access_tokens where actor_client_id = ? limit 1';
const REVOKE_ACTED_BY = revokeExchangeChain('select token_hash from access_tokens where actor_client_id = ?');

/**
 * What other clients hold through a client, revoked before its grants go: tokens under its grants (an exchanged token
 * carries its subject's grant, which the grants' deletion would only set null), and tokens it was the actor of
 * (RFC 8693 delegation: `act` names it), with what was exchanged from them (attacker read 7, F2).
 */
export function* revokeThroughClientTx(applicationId: number, clientId: string, now: number): Step<number> {
  const acted = (yield* tx.get(ANY_ACTED_BY, [clientId])) ? yield* tx.run(REVOKE_ACTED_BY, [clientId, now]) : 0;
  return acted
    + (yield* tx.run('update access_tokens set revoked_at = ? where grant_id in (select id from grants where application_id = ?) and revoked_at is null', [now, applicationId]))
    + (yield* tx.run('update refresh_tokens set revoked_at = ? where grant_id in (select id from grants where application_id = ?) and revoked_at is null', [now, applicationId]));
}
