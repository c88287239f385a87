import type { UserRecord } from '../accounts/store.ts';

/** The scope that makes an authorization request an OpenID Connect authentication request (Core §3.1.2.1). */
export const OPENID_SCOPE = 'openid';

/**
 * OpenID Connect Core §5.4: the claims each scope releases, from the fields users have. The one list: discovery's
 * claims_supported and UserInfo derive from it. `name` is the username until users get profile fields.
 */
export const SCOPE_CLAIMS = {
  profile: { preferred_username: (u: UserRecord) => u.username, name: (u: UserRecord) => u.username },
  // Gatehouse never verifies addresses, so it says so (§5.1: email_verified false).
  email: { email: (u: UserRecord) => u.email ?? undefined, email_verified: (u: UserRecord) => (u.email ? false : undefined) },
} as const satisfies Record<string, Record<string, (u: UserRecord) => unknown>>;

/** Claims of the ID Token itself (Core §2) that Gatehouse issues. */
export const ID_TOKEN_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'azp', 'at_hash', 'sid'] as const;

export const CLAIMS_SUPPORTED: readonly string[] = [...ID_TOKEN_CLAIMS, ...Object.values(SCOPE_CLAIMS).flatMap((c) => Object.keys(c))];

/** Core §5.3.2: `sub` always, plus the claims of the granted scopes that the user has a value for. */
export function userClaims(user: UserRecord, scopes: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { sub: subjectOf(user.id) };
  for (const [scope, claims] of Object.entries(SCOPE_CLAIMS)) {
    if (!scopes.includes(scope)) continue;
    for (const [claim, value] of Object.entries(claims)) {
      const v = (value as (u: UserRecord) => unknown)(user);
      if (v !== undefined) out[claim] = v;
    }
  }
  return out;
}

/** Core §8 public subject identifier: the user's id, never reassigned (as django-oauth-toolkit does). */
export const subjectOf = (userId: number): string => String(userId);
