import type { UserRecord } from '../accounts/store.ts';
import type { ProfileTextField } from '../accounts/profile.ts';

/** The scope that makes an authorization request an OpenID Connect authentication request (Core §3.1.2.1). */
export const OPENID_SCOPE = 'openid';

const text = (field: ProfileTextField) => (u: UserRecord) => u.profile[field];
/** §5.1: updated_at is seconds since the epoch. */
const updatedAt = (u: UserRecord) => (u.updatedAt === null ? undefined : Math.floor(u.updatedAt / 1000));

/**
 * OpenID Connect Core §5.4: the claims each scope releases, from the fields users have. The one list: discovery's
 * claims_supported, UserInfo, the ID Token's `claims` request and the consent page derive from it. `name` falls
 * back to the username, which every user has.
 */
export const SCOPE_CLAIMS = {
  profile: {
    name: (u: UserRecord) => u.profile.name ?? u.username,
    family_name: text('family_name'), given_name: text('given_name'), middle_name: text('middle_name'), nickname: text('nickname'),
    preferred_username: (u: UserRecord) => u.username,
    picture: text('picture'), website: text('website'), gender: text('gender'), birthdate: text('birthdate'),
    zoneinfo: text('zoneinfo'), locale: text('locale'), updated_at: updatedAt,
  },
  email: { email: (u: UserRecord) => u.email ?? undefined, email_verified: (u: UserRecord) => (u.email ? u.emailVerified : undefined) },
  // §5.1.1: the address claim is a JSON object of its parts.
  address: { address: (u: UserRecord) => u.profile.address },
  phone: {
    phone_number: text('phone_number'),
    phone_number_verified: (u: UserRecord) => (u.profile.phone_number ? u.profile.phone_number_verified === true : undefined),
  },
} as const satisfies Record<string, Record<string, (u: UserRecord) => unknown>>;

/** Every claim a scope may release, by name: what the `claims` request parameter may ask for (Core §5.5). */
export const CLAIM_VALUES: Readonly<Record<string, (u: UserRecord) => unknown>> = Object.assign({}, ...Object.values(SCOPE_CLAIMS));

/** The claims each scope releases, by scope name (the consent page lists them). */
export const claimsOfScope = (scope: string): readonly string[] => Object.keys((SCOPE_CLAIMS as Record<string, object>)[scope] ?? {});

/**
 * The ID Token claims a request asked for are kept by name with its code or grant. A `claims` parameter may name
 * auth_time itself (Core §5.5.1, request-params.ts); max_age asks for it too (Core §3.1.2.1: then REQUIRED), so
 * approve.ts adds this name for it: one list says what the request asked, whichever way it asked.
 */
export const AUTH_TIME_ASKED = 'auth_time';

/** Claims of the ID Token itself (Core §2) that Gatehouse issues. */
export const ID_TOKEN_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'azp', 'at_hash', 'c_hash', 'sid', 'amr'] as const;

export const CLAIMS_SUPPORTED: readonly string[] = [...ID_TOKEN_CLAIMS, ...Object.values(SCOPE_CLAIMS).flatMap((c) => Object.keys(c))];

/**
 * Core §5.3.2: `sub` always, plus the claims of the granted scopes that the user has a value for, plus the claims
 * asked for by name with the `claims` request parameter (§5.5; `requested`, already limited to known claims).
 */
export function userClaims(user: UserRecord, sub: string, scopes: readonly string[], requested: readonly string[], clientScopes: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { sub };
  // A claim asked for by name is released only while the client still has a scope releasing it (the rule
  // request-params.ts parseClaimsRequest applied when it was asked): an administrator taking `email` from the client
  // ends it too (attacker read 16, F3).
  const reachable = new Set(clientScopes.flatMap(claimsOfScope));
  const names = new Set([...scopes.flatMap(claimsOfScope), ...requested.filter((c) => reachable.has(c))]);
  for (const claim of names) {
    const v = CLAIM_VALUES[claim]?.(user);
    if (v !== undefined) out[claim] = v;
  }
  return out;
}
