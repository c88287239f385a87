import { tx, type Sql, type Step } from './sql.ts';
import type { DeviceCodeRow, DeviceStatus, DeviceStore, PollResult, PollVerdict } from '../oauth2/device-store.ts';
import { mergeScopes } from '../oauth2/scope.ts';
import { formatResources, splitResources } from '../oauth2/resources.ts';
import { holdGrantTx } from './revocation.ts';
import { grantUpsertTx } from './grant.repository.ts';
import { insertRows } from './token.repository.ts';

interface DbDevice {
  id: number; device_code_hash: string; user_code_hash: string; application_id: number; scope: string; status: string;
  resource: string | null; user_id: number | null; grant_id: number | null; auth_time: number | string | null; amr: string; poll_interval: number;
  last_polled_at: number | string | null; expires_at: number | string; created_at: number | string; client_id: string;
}

const SELECT = 'select d.*, a.client_id from device_codes d join applications a on a.id = d.application_id';
const num = (v: number | string | null) => (v === null ? null : Number(v));

const toRow = (r: DbDevice): DeviceCodeRow & { clientId: string } => ({
  deviceCodeHash: r.device_code_hash, userCodeHash: r.user_code_hash, applicationId: r.application_id, scope: r.scope, resources: splitResources(r.resource), status: r.status as DeviceStatus,
  userId: r.user_id, grantId: r.grant_id, authTime: num(r.auth_time), amr: (r.amr ?? '').split(' ').filter(Boolean), interval: Number(r.poll_interval),
  lastPolledAt: num(r.last_polled_at), expiresAt: Number(r.expires_at), createdAt: Number(r.created_at), clientId: r.client_id,
});

export class DeviceCodeRepository implements DeviceStore {
  readonly #sql: Sql;
  constructor(sql: Sql) { this.#sql = sql; }

  async save(d: DeviceCodeRow) {
    // A user code already taken (2^-34 a draw) is not an error: the caller draws another.
    const changed = await this.#sql.run(`insert into device_codes (device_code_hash, user_code_hash, application_id, scope, resource, status, user_id, grant_id, auth_time, amr,
      poll_interval, last_polled_at, expires_at, created_at) values (?, ?, ?, ?, ?, ?, null, null, null, '', ?, null, ?, ?) on conflict do nothing`,
    [d.deviceCodeHash, d.userCodeHash, d.applicationId, d.scope, formatResources(d.resources), d.status, d.interval, d.expiresAt, d.createdAt]);
    return changed === 1;
  }

  async findByUserCode(userCodeHash: string) {
    const r = await this.#sql.get<DbDevice>(`${SELECT} where d.user_code_hash = ?`, [userCodeHash]);
    return r ? toRow(r) : null;
  }

  decide(userCodeHash: string, d: { approve: boolean; userId: number; authTime: number | null; amr: string[] }, now: number) {
    return this.#sql.atomic(function* (): Step<boolean> {
      // Compare-and-set: only a pending, unexpired code is bound, so of two users deciding together one wins.
      const bound = yield* tx.run(`update device_codes set status = ?, user_id = ?, auth_time = ?, amr = ? where user_code_hash = ? and status = 'pending' and expires_at > ?`,
        [d.approve ? 'approved' : 'denied', d.userId, d.authTime, d.amr.join(' '), userCodeHash, now]);
      if (bound !== 1 || !d.approve) return bound === 1;
      // The user's grant to the client, widened to this scope, so the tokens are listed and revocable with it.
      const code = (yield* tx.get<{ id: number; application_id: number; scope: string }>('select id, application_id, scope from device_codes where user_code_hash = ?', [userCodeHash]))!;
      const old = yield* tx.get<{ scope: string; revoked_at: number | null }>('select scope, revoked_at from grants where user_id = ? and application_id = ?', [d.userId, code.application_id]);
      const scope = mergeScopes(old && old.revoked_at === null ? old.scope : undefined, code.scope);
      // No redirect here: a new or revived grant has no consented redirect origin (issue 20), others keep theirs.
      const grantId = yield* grantUpsertTx({ userId: d.userId, applicationId: code.application_id, scope, now });
      yield* tx.run('update device_codes set grant_id = ? where id = ?', [grantId, code.id]);
      return true;
    });
  }

  poll(deviceCodeHash: string, now: number, judge: (row: DeviceCodeRow & { clientId: string }) => PollVerdict) {
    return this.#sql.atomic(function* (): Step<PollResult> {
      // The grant first, as its revocation takes it; a revocation denies the code (approval binds it in one transaction
      // with the grant's write), so the poll hears access_denied. An approved code whose grant has ended anyway (its
      // user deactivated) is denied here: only a live grant issues (second read 11, #1).
      const held = yield* holdGrantTx('(select grant_id from device_codes where device_code_hash = ?)', [deviceCodeHash]);
      // Locked (PostgreSQL): concurrent polls queue here; SQLite runs the whole body in one synchronous transaction.
      const r = yield* tx.get<DbDevice>(`${SELECT} where d.device_code_hash = ?`, [deviceCodeHash], { lock: 'd' });
      if (!r) return { found: false };
      if (held === 'ended' && r.status === 'approved') {
        yield* tx.run(`update device_codes set status = 'denied' where id = ?`, [r.id]);
        r.status = 'denied';
      }
      // Approved after this poll looked for its grant (none was bound yet, so none is held): issuing now would write
      // tokens a revocation of that grant, running beside, could not see (PostgreSQL; attacker read 12, G1). This poll
      // hears authorization_pending; the next holds the grant.
      const verdict = judge(toRow(held === 'absent' && r.grant_id !== null ? { ...r, status: 'pending' } : r));
      if ('issue' in verdict) {
        // Exactly once: approved → consumed; a poll that lost the race changes nothing and stores nothing.
        if ((yield* tx.run(`update device_codes set status = 'consumed' where id = ? and status = 'approved'`, [r.id])) !== 1) return { found: true, verdict, applied: false };
        // The token store's own insert, so the rows carry everything a code's do (RFC 8707 audience, the login).
        yield* insertRows(verdict.issue);
        return { found: true, verdict, applied: true };
      }
      // RFC 8628 §3.5: the poll time and the (possibly raised) interval are remembered per device code.
      if ('polled' in verdict) yield* tx.run('update device_codes set last_polled_at = ?, poll_interval = ? where id = ?', [now, verdict.polled.interval, r.id]);
      return { found: true, verdict, applied: true };
    });
  }
}
