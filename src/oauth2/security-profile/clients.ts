// Registration under a security profile: the client metadata each profile refuses, as field errors naming the rule.
// Called by validateClientInput (src/oauth2/client-registration.ts), so the form, GraphQL, the CLI, dynamic
// registration and client ID metadata documents all refuse the same clients; also by `check --deploy` for the
// clients registered before the profile was set.
import { SIGNING_ALGS, type ClientInput, type IdTokenSigningAlg } from '../store.ts';
import { CLIENT_ASSERTION_ALGS, REQUEST_OBJECT_ALGS } from '../client-assertion/algorithms.ts';
import { algsUnder, has, named, type SecurityProfile } from './rules.ts';

export interface ClientViolation { field: keyof ClientInput; rule: string; message: string }

export type ProfiledClient = Pick<ClientInput, 'clientType' | 'grantTypes' | 'responseTypes' | 'tokenEndpointAuthMethod' | 'dpopBoundAccessTokens' | 'tokenEndpointAuthSigningAlg' | 'requestObjectSigningAlg' | 'idTokenSignedResponseAlg' | 'userinfoSignedResponseAlg' | 'oauth1Enabled'> & { authorizationCodeLifetime?: number | null };

/**
 * The ID Token signing alg of a client that names none: RS256 (Core §3.1.3.7's default), or under fapi2 the first
 * the profile allows (ES256: the key ring holds RS256, ES256 and EdDSA keys, src/oidc/keys.ts; FAPI 2.0 §5.4.1).
 */
export const idTokenAlgDefault = (profile: SecurityProfile | undefined): IdTokenSigningAlg => algsUnder(profile, SIGNING_ALGS)[0];

export function clientViolations(profile: SecurityProfile | undefined, c: ProfiledClient): ClientViolation[] {
  const out: ClientViolation[] = [];
  const add = (field: keyof ClientInput, rule: string, message: string) => { if (has(profile, rule)) out.push({ field, rule, message: named(rule, message) }); };
  // draft-ietf-oauth-v2-1 §10.1, §10.2: the implicit and password grants are gone.
  if (c.grantTypes.includes('implicit')) add('grantTypes', 'oauth2.1:no-implicit', 'grant_types must not include implicit');
  if (c.grantTypes.includes('password')) add('grantTypes', 'oauth2.1:no-password', 'grant_types must not include password');
  // FAPI 2.0 §5.3.2.1, §5.3.2.2.
  if (c.clientType !== 'confidential') add('clientType', 'fapi2:confidential-only', 'the client must be confidential');
  if (c.clientType === 'confidential' && c.tokenEndpointAuthMethod !== 'private_key_jwt') add('tokenEndpointAuthMethod', 'fapi2:client-auth', 'token_endpoint_auth_method must be private_key_jwt');
  if (!c.dpopBoundAccessTokens) add('dpopBoundAccessTokens', 'fapi2:sender-constrained', 'dpop_bound_access_tokens must be true');
  if (c.responseTypes.some((r) => r !== 'code')) add('responseTypes', 'fapi2:response-type-code', 'response_types must be code only');
  // FAPI 2.0 §5.3.2.1: a per-client code lifetime (issue 21) within 60 seconds too.
  if ((c.authorizationCodeLifetime ?? 0) > 60) add('authorizationCodeLifetime', 'fapi2:code-lifetime', 'authorization code lifetime must be at most 60 seconds');
  // FAPI 2.0 §5.4.1: every JWT signed with PS256, ES256 or EdDSA, the client's and ours (ID Tokens, UserInfo).
  const algs: [keyof ClientInput, string, string | null | undefined, readonly string[]][] = [
    ['tokenEndpointAuthSigningAlg', 'token_endpoint_auth_signing_alg', c.tokenEndpointAuthSigningAlg, CLIENT_ASSERTION_ALGS],
    ['requestObjectSigningAlg', 'request_object_signing_alg', c.requestObjectSigningAlg, REQUEST_OBJECT_ALGS],
    ['idTokenSignedResponseAlg', 'id_token_signed_response_alg', c.idTokenSignedResponseAlg, SIGNING_ALGS],
    ['userinfoSignedResponseAlg', 'userinfo_signed_response_alg', c.userinfoSignedResponseAlg, SIGNING_ALGS],
  ];
  for (const [field, name, alg, family] of algs) {
    const allowed = algsUnder(profile, family);
    if (alg && !allowed.includes(alg)) add(field, 'fapi2:signing-algs', `${name} must be one of ${allowed.join(', ')}`);
  }
  // OAuth 1.0a's flow has no PAR, PKCE or DPoP: outside every profile (they all hold oauth2.1's rules).
  if (c.oauth1Enabled) add('oauth1Enabled', 'oauth2.1:no-oauth1', 'OAuth 1.0a may not be enabled');
  return out;
}

/** The violations as validateClientInput's field errors (the first per field). */
export function profileFieldErrors(profile: SecurityProfile | undefined, c: ProfiledClient): Partial<Record<keyof ClientInput, string>> {
  const errors: Partial<Record<keyof ClientInput, string>> = {};
  for (const v of clientViolations(profile, c)) errors[v.field] ??= v.message;
  return errors;
}
