import { grants } from './grants/index.ts';

/** RFC 8414 §2: built from the same registry that serves the endpoints, so it cannot drift. */
export function authorizationServerMetadata(o: { issuer: string; scopes: readonly string[]; allowPlainPkce: boolean }) {
  const base = o.issuer;
  return {
    issuer: base,
    authorization_endpoint: `${base}/o/authorize/`,
    token_endpoint: `${base}/o/token/`,
    revocation_endpoint: `${base}/o/revoke_token/`,
    introspection_endpoint: `${base}/o/introspect/`,
    scopes_supported: [...o.scopes],
    response_types_supported: ['code', 'token'],
    response_modes_supported: ['query', 'fragment'],
    grant_types_supported: [...grants.keys(), 'implicit'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    code_challenge_methods_supported: o.allowPlainPkce ? ['S256', 'plain'] : ['S256'],
    authorization_response_iss_parameter_supported: true,
    service_documentation: `${base}/`,
  };
}
