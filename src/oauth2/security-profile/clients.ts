// Registration under a security profile: the client metadata each profile refuses, as field errors naming the rule.
// Called by validateClientInput (src/oauth2/client-registration.ts), so the form, GraphQL, the CLI, dynamic
// registration and client ID metadata documents all refuse the same clients; also by `check --deploy` for the
// clients registered before the profile was set.
import type { ClientInput } from '../store.ts';
import { FAPI2_ALGS, has, named, type SecurityProfile } from './rules.ts';

export interface ClientViolation { field: keyof ClientInput; rule: string; message: string }

export type ProfiledClient = Pick<ClientInput, 'clientType' | 'grantTypes' | 'responseTypes' | 'tokenEndpointAuthMethod' | 'dpopBoundAccessTokens' | 'tokenEndpointAuthSigningAlg' | 'requestObjectSigningAlg'> & { authorizationCodeLifetime?: number | null };

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
  if (c.tokenEndpointAuthSigningAlg && !FAPI2_ALGS.includes(c.tokenEndpointAuthSigningAlg)) add('tokenEndpointAuthSigningAlg', 'fapi2:signing-algs', `token_endpoint_auth_signing_alg must be one of ${FAPI2_ALGS.join(', ')}`);
  if (c.requestObjectSigningAlg && !FAPI2_ALGS.includes(c.requestObjectSigningAlg)) add('requestObjectSigningAlg', 'fapi2:signing-algs', `request_object_signing_alg must be one of ${FAPI2_ALGS.join(', ')}`);
  return out;
}

/** The violations as validateClientInput's field errors (the first per field). */
export function profileFieldErrors(profile: SecurityProfile | undefined, c: ProfiledClient): Partial<Record<keyof ClientInput, string>> {
  const errors: Partial<Record<keyof ClientInput, string>> = {};
  for (const v of clientViolations(profile, c)) errors[v.field] ??= v.message;
  return errors;
}
