import { InvalidScope } from './errors.ts';

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * The registry of the scopes Gatehouse ships with: config.scopes defaults to their descriptions (what the consent
 * page shows; an operator may add scopes of their own), discovery's scopes_supported lists config.scopes.
 * `privileged` scopes reach past the user's own data: only an administrator may allow them on a client, consent is
 * never skipped for them unless an administrator owns the client, and a token carries `admin` only for an admin
 * user. docs/security.md has the table.
 *   admin         the GraphQL admin API with the user's administrator rights
 *   introspection RFC 7662 introspection of any client's tokens (a resource server)
 *   applications  managing the user's own registered applications through GraphQL
 * OpenID Connect Core §3.1.2.1 / §5.4: `openid` makes a request an authentication request (an ID Token comes with
 * the tokens); `profile`, `email`, `address` and `phone` release those claims (src/oidc/claims.ts says which).
 */
export const SCOPES = [
  { name: 'read', description: 'Read your data', privileged: false },
  { name: 'write', description: 'Change your data', privileged: false },
  { name: 'openid', description: 'Sign you in to the application with your account', privileged: false },
  { name: 'profile', description: 'See your profile', privileged: false },
  { name: 'email', description: 'See your email address', privileged: false },
  { name: 'address', description: 'See your postal address', privileged: false },
  { name: 'phone', description: 'See your phone number', privileged: false },
  { name: 'introspection', description: 'Check whether access tokens are valid', privileged: true },
  { name: 'admin', description: 'Administer Gatehouse on your behalf', privileged: true },
  { name: 'applications', description: 'Manage the applications you registered', privileged: true },
] as const;

export const PRIVILEGED_SCOPES: ReadonlySet<string> = new Set(SCOPES.filter((s) => s.privileged).map((s) => s.name));

/** config.scopes's default: each shipped scope and the words the consent page shows for it. */
export const scopeDescriptions = (): Record<string, string> => Object.fromEntries(SCOPES.map((s) => [s.name, s.description]));
export const isPrivilegedScope = (scope: string): boolean => PRIVILEGED_SCOPES.has(scope);
/** The scope only an administrator may hold in a token (scopeUserMayNotHold). */
export const ADMIN_SCOPE = 'admin';

/**
 * A stored token's scope as it counts now: a privileged scope only while the token's client is still allowed it. An
 * administrator taking one from a client revokes the tokens holding it (ApplicationRepository.update), but a token
 * minted meanwhile from the client as it was read, or from a code consented before, would keep it (attacker read 14,
 * F4/F5): every lookup of a token reads its scope through this (storage/token.repository.ts).
 */
export function scopeStillAllowed(scope: string, allowed: readonly string[]): string {
  const scopes = scope.split(' ');
  return scopes.some((s) => PRIVILEGED_SCOPES.has(s) && !allowed.includes(s)) ? scopes.filter((s) => !PRIVILEGED_SCOPES.has(s) || allowed.includes(s)).join(' ') : scope;
}

/**
 * The scopes of an authorization (a code, a device code, a refresh token) the client may still be given: what an
 * administrator took from the client since is not carried on (attacker read 13A, F2). RFC 6749 §6 and §5.1 let the
 * issued scope be narrower than asked, and the response says so; nothing left of a non-empty scope is invalid_scope.
 */
export function narrowToClient(asked: readonly string[], client: { allowedScopes: readonly string[] }): string[] {
  const allowed = asked.filter((s) => client.allowedScopes.includes(s));
  if (allowed.length === 0 && asked.length > 0) throw new InvalidScope('None of the granted scopes is allowed to this client any more.');
  return allowed;
}

/**
 * The privileged scopes a user may hold in a token: `admin` only for an administrator (the client was allowed it by
 * an administrator, see privileges.ts privilegeErrors). Returns the first scope the user may not have, if any.
 */
export function scopeUserMayNotHold(scopes: readonly string[], user: { isAdmin: boolean }): string | undefined {
  return user.isAdmin ? undefined : scopes.find((s) => s === ADMIN_SCOPE);
}

/**
 * Scopes the server may know (config.scopes): every scope list it stores (a client's allowed scopes, a grant's, a
 * token's, a resource server's) is a set of them, so this bounds each list the admin API answers (attacker read 13B, F3).
 */
export const MAX_SCOPES = 100;

export const isValidScopeToken = (token: string): boolean => SCOPE_TOKEN.test(token);

/**
 * Splits a space-delimited scope string (order kept, duplicates dropped); invalid characters, or more distinct scopes
 * than the server may know (MAX_SCOPES: a longer list could only be refused later, after every grant's other checks had
 * walked it; 24,000 made-up scopes held the event loop ~0.8 s before a refresh token was even looked up: attacker
 * read 13A, F1), are invalid_scope. Every scope a request carries is parsed here.
 */
export function parseScope(value: string | undefined | null): string[] {
  if (!value) return [];
  const out = new Set<string>();
  for (const token of value.split(' ')) {
    if (token === '') continue;
    if (!isValidScopeToken(token)) throw new InvalidScope('The scope contains characters RFC 6749 §3.3 does not allow.');
    out.add(token);
    if (out.size > MAX_SCOPES) throw new InvalidScope(`The scope names more than ${MAX_SCOPES} scopes.`);
  }
  return [...out];
}

export const formatScope = (scopes: readonly string[]): string => scopes.join(' ');

export const isSubset = (requested: readonly string[], allowed: readonly string[]): boolean => requested.every((s) => allowed.includes(s));

/** The scope to grant: the request if every scope is allowed; when empty, the defaults the client is allowed. */
export function resolveScope(requested: string[], allowed: readonly string[], defaults: readonly string[]): string[] {
  if (requested.length === 0) return defaults.filter((s) => allowed.includes(s));
  const bad = requested.find((s) => !allowed.includes(s));
  if (bad !== undefined) throw new InvalidScope(`The scope "${bad.slice(0, 40)}" is not available to this client.`);
  return requested;
}

/** Union of two scope strings, order kept. */
export function mergeScopes(existing: string | undefined, added: string): string {
  return formatScope([...new Set([...parseScope(existing), ...parseScope(added)])]);
}
