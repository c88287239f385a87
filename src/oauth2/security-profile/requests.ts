// Requests under a security profile: an authorization or token request that breaks a rule is refused with the RFC
// error the rule's specification names, its error_description starting with the rule id.
import { InvalidDpopProof, InvalidRequest, InvalidTarget, UnauthorizedClient, UnsupportedGrantType, UnsupportedResponseType, type OAuthError } from '../errors.ts';
import { has, named, type SecurityProfile } from './rules.ts';

export interface ProfiledAuthorization {
  /** Absent for a device authorization request (RFC 8628 §3.1), which has none. */
  responseType?: string;
  /** Present when the request carried a code_challenge. */
  codeChallengeMethod?: string;
  /** Whether the response type returns a code. */
  code: boolean;
  /** RFC 8707 resources the request named. */
  resources: readonly string[];
}

/** The first rule an authorization request (at /o/authorize, or RFC 8628's device authorization) breaks, as the error to answer; undefined when it conforms. */
export function authorizationViolation(profile: SecurityProfile | undefined, r: ProfiledAuthorization): OAuthError | undefined {
  const broken = (id: string) => has(profile, id);
  if (r.responseType !== undefined && r.responseType !== 'code' && broken('fapi2:response-type-code')) return new UnsupportedResponseType(named('fapi2:response-type-code', 'response_type must be code.'));
  if (r.responseType?.split(' ').includes('token') && broken('oauth2.1:no-implicit')) return new UnsupportedResponseType(named('oauth2.1:no-implicit', 'the implicit grant (response_type with token) is not allowed.'));
  // draft-ietf-oauth-v2-1 §4.1.1: code_challenge REQUIRED, S256 (plain only when S256 cannot be done: never here).
  if (r.code && r.codeChallengeMethod !== 'S256' && broken('oauth2.1:pkce-s256')) return new InvalidRequest(named('oauth2.1:pkce-s256', 'code_challenge with code_challenge_method S256 is required.'));
  // RFC 8707 §2 / MCP authorization: the request names the resource the token is for.
  if (r.resources.length === 0 && broken('mcp:resource-indicator')) return new InvalidTarget(named('mcp:resource-indicator', 'the resource parameter (RFC 8707) is required.'));
  return undefined;
}

export interface ProfiledTokenRequest {
  grantType: string;
  /** Whether the grant takes `resource` (RFC 8707) at the token endpoint. */
  takesResource: boolean;
  resource?: string;
  dpopJkt?: string;
}

/**
 * FAPI 2.0 §5.3.2.1 (1), (4): the rule an authenticated client breaks, as the error to answer; undefined when it
 * conforms. Registration refuses such clients (clients.ts); this refuses those registered before the profile was set,
 * at every endpoint a client authenticates to (token, PAR, revocation, introspection, device authorization: the one
 * client-authentication step, src/http/middleware/client-auth.ts), until they conform.
 */
export function clientRefusal(profile: SecurityProfile | undefined, client: { clientType: string; tokenEndpointAuthMethod: string }): OAuthError | undefined {
  if (client.clientType !== 'confidential' && has(profile, 'fapi2:confidential-only')) return new UnauthorizedClient(named('fapi2:confidential-only', 'only confidential clients may use this server.'));
  if (client.tokenEndpointAuthMethod !== 'private_key_jwt' && has(profile, 'fapi2:client-auth')) return new UnauthorizedClient(named('fapi2:client-auth', 'the client must authenticate with private_key_jwt.'));
  return undefined;
}

/** The first rule a token request breaks, as the error to answer; undefined when it conforms. */
export function tokenViolation(profile: SecurityProfile | undefined, r: ProfiledTokenRequest): OAuthError | undefined {
  const broken = (id: string) => has(profile, id);
  if (r.grantType === 'password' && broken('oauth2.1:no-password')) return new UnsupportedGrantType(named('oauth2.1:no-password', 'the password grant is not allowed.'));
  if (r.grantType === 'implicit' && broken('oauth2.1:no-implicit')) return new UnsupportedGrantType(named('oauth2.1:no-implicit', 'the implicit grant is not allowed.'));
  if (!r.dpopJkt && broken('fapi2:sender-constrained')) return new InvalidDpopProof(named('fapi2:sender-constrained', 'a DPoP proof is required with every token request.'));
  if (r.takesResource && !r.resource && broken('mcp:resource-indicator')) return new InvalidTarget(named('mcp:resource-indicator', 'the resource parameter (RFC 8707) is required.'));
  return undefined;
}

/**
 * RFC 9126 §5: whether the authorization endpoint takes only pushed requests. FAPI 2.0 §5.3.2.2 (fapi2:par-required)
 * makes it so whatever REQUIRE_PUSHED_AUTHORIZATION_REQUESTS says: a profile is not advice.
 */
export const pushedRequired = (profile: SecurityProfile | undefined, configured: boolean): boolean => configured || has(profile, 'fapi2:par-required');

/** oauth2.1:no-oauth1 (so fapi2 and mcp too): why every OAuth 1.0a endpoint refuses; undefined when OAuth 1 is on. */
export const oauth1Refusal = (profile: SecurityProfile | undefined): string | undefined =>
  (has(profile, 'oauth2.1:no-oauth1') ? named('oauth2.1:no-oauth1', `OAuth 1.0a is outside SECURITY_PROFILE=${profile}; use OAuth 2.`) : undefined);

/** RFC 9126 §5 under fapi2: the text of the refusal of an authorization request that was not pushed. */
export const unpushedRule = (profile: SecurityProfile | undefined): string | undefined => (has(profile, 'fapi2:par-required') ? 'fapi2:par-required' : undefined);
