// Views of the grant registry (grants/index.ts): the unions, the lists the form, the CLI and GraphQL offer, and the
// rules that follow from each grant's declaration. Nothing here names a grant type except refresh_token, the
// grant RFC 6749 §6 defines for every grant that issues refresh tokens.
import { GRANTS } from './grants/index.ts';

type Grant = (typeof GRANTS)[number];
export type GrantType = Grant['grantType'];

export const GRANT_TYPES: readonly GrantType[] = GRANTS.map((g) => g.grantType);

/** The grant types a client can be registered for (form, GraphQL, CLI); refresh_token follows from others. */
export const REGISTRABLE_GRANT_TYPES: readonly GrantType[] = GRANTS.filter((g) => g.registrable).map((g) => g.grantType);

/** Grant types only an administrator may allow on a client (privileges.ts). */
export const PRIVILEGED_GRANT_TYPES: ReadonlySet<GrantType> = new Set(GRANTS.filter((g) => g.privileged).map((g) => g.grantType));

/** Grants that go through the authorization endpoint (response-types.ts), so a client registered for them needs a redirect URI. */
export const REDIRECT_GRANT_TYPES: ReadonlySet<GrantType> = new Set(GRANTS.flatMap((g) => ('responseType' in g ? [g.grantType] : [])));

/**
 * Grants that hand a user's tokens to the client at the token endpoint, never through a redirect URI (password, device
 * code, token exchange): naming a redirect host proves nothing for them (oidc/subject.ts sectorOf).
 */
export const REDIRECTLESS_USER_GRANT_TYPES: ReadonlySet<string> = new Set(GRANTS.filter((g) => g.userTokensWithoutRedirect).map((g) => g.grantType));

/**
 * django-oauth-toolkit spells grant types with dashes; accept both spellings from forms and CLIs. An exact name
 * wins, so URN grant types (RFC 8628's urn:ietf:params:oauth:grant-type:device_code) keep their dashes.
 */
export function normalizeGrantType(value: string): GrantType | null {
  const known = GRANT_TYPES as readonly string[];
  const v = value.trim();
  const u = v.replace(/-/g, '_');
  return known.includes(v) ? (v as GrantType) : known.includes(u) ? (u as GrantType) : null;
}

const REFRESH: GrantType = 'refresh_token';
const issuesRefresh = new Set<string>(GRANTS.filter((g) => g.registrable && g.issuesRefreshToken).map((g) => g.grantType));

/** Grants the client may use at the token endpoint, refresh_token included where it follows. */
export function effectiveGrantTypes(registered: readonly GrantType[]): GrantType[] {
  const out = [...registered];
  // Refresh tokens are issued with authorization_code and password grants (RFC 6749 §4.1.4, §4.3.3).
  if (registered.some((g) => issuesRefresh.has(g)) && !out.includes(REFRESH)) out.push(REFRESH);
  return out;
}
