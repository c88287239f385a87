// RFC 8414 discovery under a security profile: what the server advertises is what the profile lets a client use.
import { algsUnder, FAPI2_ALGS, has, type SecurityProfile } from './rules.ts';
import { dpopAlgs } from '../dpop/proof.ts';

interface Narrowable {
  response_types_supported: string[];
  grant_types_supported: string[];
  token_endpoint_auth_methods_supported: string[];
  revocation_endpoint_auth_methods_supported: string[];
  introspection_endpoint_auth_methods_supported: string[];
  token_endpoint_auth_signing_alg_values_supported: string[];
  dpop_signing_alg_values_supported: string[];
  revocation_endpoint_auth_signing_alg_values_supported: string[];
  introspection_endpoint_auth_signing_alg_values_supported: string[];
  code_challenge_methods_supported: string[];
  require_pushed_authorization_requests: boolean;
}

export function profileMetadata<M extends Narrowable>(profile: SecurityProfile | undefined, m: M): M & { security_profile?: string } {
  if (!profile || profile === 'none') return m;
  const out = { ...m };
  out.code_challenge_methods_supported = ['S256'];
  out.grant_types_supported = m.grant_types_supported.filter((g) => g !== 'implicit' && g !== 'password');
  out.response_types_supported = m.response_types_supported.filter((r) => !r.split(' ').includes('token'));
  if (has(profile, 'fapi2:response-type-code')) out.response_types_supported = ['code'];
  // The client-authentication step refuses every other method at each of these endpoints (clientRefusal).
  if (has(profile, 'fapi2:client-auth')) for (const f of ['token_endpoint_auth_methods_supported', 'revocation_endpoint_auth_methods_supported', 'introspection_endpoint_auth_methods_supported'] as const) out[f] = ['private_key_jwt'];
  for (const f of ['token_endpoint_auth_signing_alg_values_supported', 'revocation_endpoint_auth_signing_alg_values_supported', 'introspection_endpoint_auth_signing_alg_values_supported'] as const) out[f] = algsUnder(profile, m[f]);
  if (has(profile, 'fapi2:signing-algs')) out.dpop_signing_alg_values_supported = [...dpopAlgs(FAPI2_ALGS)];
  if (has(profile, 'fapi2:par-required')) out.require_pushed_authorization_requests = true;
  return out;
}
