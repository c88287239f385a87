import { tx, type Step } from './sql.ts';

/**
 * Ends every credential issued under one user, client or grant, in the caller's transaction: access, refresh and
 * OAuth 1 tokens are revoked (RFC 7009 §2.1), and pending authorization codes are spent, so none redeems later
 * (RFC 6749 §4.1.2: a spent code is refused and what it issued is revoked). Returns how many stopped working.
 */
export function* revokeCredentialsTx(column: 'user_id' | 'application_id' | 'grant_id', value: number, now: number): Step<number> {
  return (yield* tx.run(`update access_tokens set revoked_at = ? where ${column} = ? and revoked_at is null`, [now, value]))
    + (yield* tx.run(`update refresh_tokens set revoked_at = ? where ${column} = ? and revoked_at is null`, [now, value]))
    + (yield* tx.run(`update oauth1_tokens set revoked_at = ? where ${column} = ? and revoked_at is null`, [now, value]))
    + (yield* tx.run(`update authorization_codes set consumed_at = ? where ${column} = ? and consumed_at is null`, [now, value]));
}
