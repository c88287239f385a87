// Why a protocol request was refused, as a short stable code kept on an audit event linked to the client, so its
// developer can see the reason on the application's page (or GraphQL Client.recentFailures) without server logs.
// A reason names the rule that failed, never the material: no secret, code, token, verifier or username, and
// nothing that tells whether a user exists (a wrong password and an unknown user are both invalid_credentials).
import { isOAuthError } from './errors.ts';

export const FAILURE_REASONS = [
  'secret_mismatch', 'assertion_invalid', 'assertion_replayed', 'assertion_key_too_short', 'throttled', 'grant_not_allowed', 'unsupported_grant_type', 'scope_not_allowed', 'redirect_uri_mismatch',
  'pkce_mismatch', 'pkce_missing', 'pkce_downgrade', 'code_expired', 'code_reused', 'code_invalid', 'code_other_client',
  'invalid_refresh_token', 'refresh_token_reused', 'refresh_token_expired', 'grant_ended', 'invalid_credentials', 'invalid_request', 'invalid_dpop_proof', 'dpop_key_mismatch', 'other',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

/** The reason an error carries, or one derived from its RFC code. */
export function reasonOf(err: unknown): FailureReason {
  if (!isOAuthError(err)) return 'other';
  if (err.reason) return err.reason as FailureReason;
  if (err.status === 429) return 'throttled';
  switch (err.error) {
    case 'invalid_scope': return 'scope_not_allowed';
    case 'unauthorized_client': return 'grant_not_allowed';
    case 'unsupported_grant_type': return 'unsupported_grant_type';
    case 'invalid_client': return 'secret_mismatch';
    case 'invalid_request': return 'invalid_request';
    case 'invalid_dpop_proof': return 'invalid_dpop_proof';
    default: return 'other';
  }
}

/** How many failures a client's page and GraphQL show: the newest ones. */
export const RECENT_FAILURES = 10;
/** The audit event type of a refused protocol request (client authentication failures keep client.auth_failed). */
export const REQUEST_REFUSED = 'client.request_refused';
