import { CLIENT_AUTH_METHOD_NAMES, SECRET_AUTH_METHOD_NAMES } from './client-auth.ts';
import { CLIENT_ASSERTION_ALGS } from './client-assertion/algorithms.ts';
import { GRANT_TYPES } from './grant-types.ts';
import { RESPONSE_MODES, RESPONSE_TYPES } from './response-types.ts';
import { canonicalResource } from './resources.ts';
import { DEVICE_AUTHORIZATION_PATH } from './device.ts';
import { DPOP_ALGS } from './dpop/proof.ts';
import { profileMetadata, type SecurityProfile } from './security-profile/index.ts';

/** Where the JWK Set of the keys that sign ID Tokens (and JWT access tokens) is published. */
export const JWKS_PATH = '/.well-known/jwks.json';

/** RFC 8414 §2: built from the registries that serve the endpoints (grants, client authentication, scopes), so it cannot drift. */
export function authorizationServerMetadata(o: { issuer: string; scopes: readonly string[]; allowPlainPkce: boolean; registration?: boolean; clientIdMetadataDocuments?: boolean; requirePushedAuthorizationRequests?: boolean; securityProfile?: SecurityProfile }) {
  const base = o.issuer;
  // SECURITY_PROFILE narrows what is advertised to what the profile lets a client use.
  return profileMetadata(o.securityProfile, {
    issuer: base,
    authorization_endpoint: `${base}/o/authorize/`,
    token_endpoint: `${base}/o/token/`,
    revocation_endpoint: `${base}/o/revoke_token/`,
    introspection_endpoint: `${base}/o/introspect/`,
    // RFC 8628 §4: the device authorization endpoint (OIDC discovery spreads this document, so both list it).
    device_authorization_endpoint: `${base}${DEVICE_AUTHORIZATION_PATH}`,
    // RFC 8414 §2 jwks_uri: clients that read only this document find the keys too.
    jwks_uri: `${base}${JWKS_PATH}`,
    // RFC 8414 §2 / Discovery §3: listed only when dynamic registration (RFC 7591) is switched on.
    ...(o.registration ? { registration_endpoint: `${base}/o/register` } : {}),
    scopes_supported: [...o.scopes],
    response_types_supported: [...RESPONSE_TYPES],
    response_modes_supported: [...RESPONSE_MODES],
    grant_types_supported: [...GRANT_TYPES],
    token_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHOD_NAMES],
    revocation_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHOD_NAMES],
    // RFC 7662 §2.1: introspection callers must authenticate; here that means a confidential client's secret.
    introspection_endpoint_auth_methods_supported: [...SECRET_AUTH_METHOD_NAMES],
    // RFC 8414 §2: required when private_key_jwt or client_secret_jwt is listed; never `none`. HS384 and HS512 stay
    // listed: every secret issued now is 64 octets and keys them (RFC 7518 §3.2); an older 43-octet one is refused
    // per assertion for them (client-assertion/algorithms.ts hmacKeyFits).
    token_endpoint_auth_signing_alg_values_supported: [...CLIENT_ASSERTION_ALGS],
    revocation_endpoint_auth_signing_alg_values_supported: [...CLIENT_ASSERTION_ALGS],
    introspection_endpoint_auth_signing_alg_values_supported: [...CLIENT_ASSERTION_ALGS],
    // RFC 9126 §5: pushed authorization requests, and whether the authorization endpoint takes only those.
    pushed_authorization_request_endpoint: `${base}/o/par`,
    require_pushed_authorization_requests: o.requirePushedAuthorizationRequests === true,
    code_challenge_methods_supported: o.allowPlainPkce ? ['S256', 'plain'] : ['S256'],
    authorization_response_iss_parameter_supported: true,
    // RFC 9449 §5.1: DPoP proofs are accepted (src/oauth2/dpop), signed with one of these.
    dpop_signing_alg_values_supported: [...DPOP_ALGS],
    // draft-ietf-oauth-client-id-metadata-document (authorization server metadata): https client_ids name a metadata document.
    ...(o.clientIdMetadataDocuments ? { client_id_metadata_document_supported: true } : {}),
    // RFC 9728 §4: the protected resources of this server. Only its own APIs: registered resource servers are the
    // administrators' business, and each publishes its own metadata pointing back here.
    protected_resources: [canonicalResource(base) ?? base],
    service_documentation: `${base}/`,
  });
}
