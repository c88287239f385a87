// Security profiles (issue 22): SECURITY_PROFILE names one; each is a table of rules, each rule an id, what it
// requires and the section of the specification that asks for it. Enforcement (clients.ts, requests.ts), discovery
// (metadata.ts) and `check --deploy` (src/config/deploy-check.ts) name a broken rule by its id.
export const SECURITY_PROFILES = ['none', 'oauth2.1', 'fapi2', 'mcp'] as const;
export type SecurityProfile = typeof SECURITY_PROFILES[number];

export interface ProfileRule {
  id: string;
  requires: string;
  spec: string;
  /** How Gatehouse meets it: `enforced` (refused when broken), `built-in` (always so here), `deploy-check` (a setting `check --deploy` judges). */
  status: 'enforced' | 'built-in' | 'deploy-check';
}

const OAUTH21 = 'draft-ietf-oauth-v2-1-14';
const FAPI2 = 'FAPI 2.0 Security Profile (final)';
const MCP = 'MCP authorization 2025-11-25';

const oauth21: ProfileRule[] = [
  { id: 'oauth2.1:pkce-s256', requires: 'every authorization code request carries a PKCE code_challenge with method S256, confidential clients too', spec: `${OAUTH21} §4.1.1, §7.5.1`, status: 'enforced' },
  { id: 'oauth2.1:no-implicit', requires: 'no implicit grant (response_type token or id_token token): not registered, not requested', spec: `${OAUTH21} §10.1`, status: 'enforced' },
  { id: 'oauth2.1:no-password', requires: 'no resource owner password credentials grant: not registered, not requested', spec: `${OAUTH21} §10.2`, status: 'enforced' },
  { id: 'oauth2.1:no-query-bearer', requires: 'bearer tokens never in the query string: requireToken() reads the header and form body only (its allowQuery option is the application\'s own choice)', spec: `${OAUTH21} §5.2`, status: 'built-in' },
  { id: 'oauth2.1:refresh-rotation', requires: 'refresh tokens of public clients sender-constrained (DPoP) or rotated; Gatehouse rotates every refresh token and revokes the family on reuse', spec: `${OAUTH21} §4.3.1`, status: 'built-in' },
  { id: 'oauth2.1:no-oauth1', requires: 'no OAuth 1.0a (RFC 5849): its flow has none of PAR, PKCE or sender-constrained tokens, so a client may not turn it on and /oauth1/* answer version_rejected', spec: `${OAUTH21} §1 (the profile is OAuth 2.x; fapi2 and mcp build on it)`, status: 'enforced' },
  { id: 'oauth2.1:exact-redirect', requires: 'redirect URIs compared by exact string match', spec: `${OAUTH21} §2.3.1`, status: 'built-in' },
];

const fapi2: ProfileRule[] = [
  { id: 'fapi2:par-required', requires: 'every authorization request pushed to /o/par first (RFC 9126), for all clients', spec: `${FAPI2} §5.3.2.2 (2)`, status: 'enforced' },
  { id: 'fapi2:confidential-only', requires: 'confidential clients only', spec: `${FAPI2} §5.3.2.1 (1)`, status: 'enforced' },
  { id: 'fapi2:client-auth', requires: 'clients authenticate with private_key_jwt (mutual TLS is the other option FAPI allows; Gatehouse does not support it)', spec: `${FAPI2} §5.3.2.1 (4)`, status: 'enforced' },
  { id: 'fapi2:sender-constrained', requires: 'access tokens sender-constrained with DPoP: clients registered dpop_bound_access_tokens, token requests without a DPoP proof refused (mutual TLS not supported)', spec: `${FAPI2} §5.3.2.1 (5)`, status: 'enforced' },
  { id: 'fapi2:response-type-code', requires: 'response_type code only', spec: `${FAPI2} §5.3.2.2 (1)`, status: 'enforced' },
  { id: 'fapi2:code-lifetime', requires: 'authorization codes live at most 60 seconds: AUTHORIZATION_CODE_TTL ≤ 60 (the default), else `check --deploy` E009; a client\'s own code lifetime > 60 is refused at registration', spec: `${FAPI2} §5.3.2.1 (9)`, status: 'deploy-check' },
  { id: 'fapi2:signing-algs', requires: 'client assertions and request objects signed with PS256, ES256 or EdDSA only', spec: `${FAPI2} §5.4.1`, status: 'enforced' },
  { id: 'fapi2:iss-response', requires: 'iss in authorization responses (RFC 9207)', spec: `${FAPI2} §5.3.2.2 (6)`, status: 'built-in' },
  { id: 'fapi2:jar-optional', requires: 'signed request objects (JAR, RFC 9101) accepted, not required', spec: `${FAPI2} §5.3.2.2 note`, status: 'built-in' },
];

const mcp: ProfileRule[] = [
  { id: 'mcp:resource-indicator', requires: 'authorization and token requests carry `resource` (RFC 8707) when resource servers are registered', spec: `${MCP} "Resource Parameter Implementation"`, status: 'enforced' },
  { id: 'mcp:client-registration', requires: 'dynamic client registration or client ID metadata documents available', spec: `${MCP} "Client Registration Approaches"`, status: 'built-in' },
  { id: 'mcp:protected-resource-metadata', requires: 'RFC 9728 protected resource metadata published', spec: `${MCP} "Authorization Server Location"`, status: 'built-in' },
];

/** Each profile's rules; fapi2 and mcp include all of oauth2.1's. */
export const PROFILE_RULES: Readonly<Record<SecurityProfile, readonly ProfileRule[]>> = {
  none: [],
  'oauth2.1': oauth21,
  fapi2: [...oauth21, ...fapi2],
  mcp: [...oauth21, ...mcp],
};

/** True when `profile` holds the rule `id`. */
export const has = (profile: SecurityProfile | undefined, id: string): boolean => (PROFILE_RULES[profile ?? 'none'] ?? []).some((r) => r.id === id);

/** FAPI 2.0 §5.4.1: the only signing algorithms a fapi2 deployment uses, for JWTs it verifies and JWTs it signs. */
export const FAPI2_ALGS: readonly string[] = ['PS256', 'ES256', 'EdDSA'];

/**
 * The algorithms of `family` (client assertions', request objects', ID Tokens', …) that `profile` allows: under
 * fapi2:signing-algs only FAPI2_ALGS (FAPI 2.0 §5.4.1), else the whole family. The one place that narrows them, for
 * verification, registration and discovery alike.
 */
export function algsUnder<A extends string>(profile: SecurityProfile | undefined, family: readonly A[]): A[] {
  return has(profile, 'fapi2:signing-algs') ? family.filter((a) => FAPI2_ALGS.includes(a)) : [...family];
}

/** A rule's text for an error_description or a field error: "<id>: <what is wrong>". */
export const named = (id: string, what: string): string => `${id}: ${what}`;
