// RFC 6749 §3.1, §4.1.1, §4.2.1 authorization requests, validated in the order the RFC demands:
// first the client and redirect URI (errors there must NOT redirect), then everything else (errors redirect).
import { AccessDenied, InvalidClientId, InvalidRedirectUri, InvalidRequest, InvalidScope, isOAuthError, type OAuthError, RequestNotSupported, RequestUriNotSupported, UnauthorizedClient, UnsupportedResponseType } from './errors.ts';
import { responseTypeRule, type ResponseMode, type ResponseType, type ResponseTypeRule } from './response-types.ts';
import { authorizationResponse, responseModeOf, type AuthorizationResponse } from './authorization-response.ts';
import { isValidChallenge, parseChallengeMethod, type PkceMethod } from './pkce.ts';
import { matchRedirectUri } from './redirect-uri.ts';
import { formatScope, parseScope, resolveScope } from './scope.ts';
import { scopeUserMayNotHold } from './privileges.ts';
import type { ClientRecord, ClientStore } from './store.ts';
import { validateAuthenticationParams } from '../oidc/prompt.ts';
import { parseClaimsRequest, type ClaimsRequest } from '../oidc/request-params.ts';
import { idTokenHintSubject } from '../oidc/id-token-hint.ts';
import { decideResources, formatResources, type Audience, type ResourceCatalog } from './resources.ts';
import { isJkt } from './dpop/binding.ts';
import { authorizationViolation, type SecurityProfile } from './security-profile/index.ts';

/** The longest Location an authorization response may have, and the room kept in it for the code, iss and tokens. */
export const MAX_RESPONSE_LOCATION = 12_000;
const RESPONSE_ROOM = 2_500;

export interface AuthorizationRequest {
  client: ClientRecord;
  redirectUri: string;
  redirectUriProvided: boolean;
  responseType: ResponseType;
  /** What the response type returns, and where (Multiple Response Type Encoding Practices §2). */
  rule: ResponseTypeRule;
  responseMode: ResponseMode;
  scopes: string[];
  state?: string;
  codeChallenge?: string;
  codeChallengeMethod?: PkceMethod;
  /** OpenID Connect Core §3.1.2.1 (oidc/prompt.ts): `consent` forces the consent page even when a grant exists. */
  prompt?: string;
  /** OpenID Connect Core §3.1.2.1: the longest time since the user's last login, in seconds. */
  maxAge?: number;
  /** OpenID Connect Core §3.1.2.1, kept only with scope openid. */
  nonce?: string;
  /** OpenID Connect Core §5.5, kept only with scope openid: the parsed `claims` parameter and its text. */
  claims?: ClaimsRequest;
  claimsParameter?: string;
  /** OpenID Connect Core §3.1.2.1, §5.5.1: the End-User (sub) a verified id_token_hint or a claims sub value names. */
  expectedSub?: string;
  /** The id_token_hint as sent, carried by the consent form so a decision set aside for a login still names its user. */
  idTokenHint?: string;
  /** RFC 8707: the resources asked for (canonical), empty for none, and the audience a token for them has. */
  resources?: string[];
  audience?: Audience;
  /** RFC 9449 §10: the thumbprint of the DPoP key the code is bound to. */
  dpopJkt?: string;
  /**
   * When the request was set aside for a login (epoch ms, LOGIN_AFTER): a login at or after it is the one its prompt
   * and max_age asked for (oidc/prompt.ts authenticationStep). Only from a copy we stored or a consent form we showed.
   */
  loginAfter?: number;
}

/** The parameter of a request we set aside for a login (par/pushed-requests.ts pushAgainForLogin) that holds loginAfter. */
export const LOGIN_AFTER = 'login_after';

/** An error to report to the client by redirecting (RFC 6749 §4.1.2.1, §4.2.2.1). */
export class RedirectError extends Error {
  readonly error: OAuthError;
  readonly redirectUri: string;
  readonly state: string | undefined;
  readonly mode: ResponseMode;
  constructor(error: OAuthError, redirectUri: string, state: string | undefined, mode: ResponseMode) {
    super(error.description);
    this.error = error;
    this.redirectUri = redirectUri;
    this.state = state;
    this.mode = mode;
  }
}

const MAX_NONCE_LENGTH = 512;

export interface AuthorizeSettings {
  clients: Pick<ClientStore, 'findByClientId'>;
  allowPlainPkce: boolean;
  defaultScopes: readonly string[];
  /** Verifies an ID Token we issued (oidc/id-token-hint.ts); absent, id_token_hint is refused. */
  verifyIdTokenHint?: (token: string) => Promise<Record<string, unknown>>;
  /** RFC 8707: the resources a request may name; absent, any `resource` is invalid_target. */
  resources?: () => Promise<ResourceCatalog>;
  /** SECURITY_PROFILE: requests breaking its rules are refused, naming the rule (security-profile/requests.ts). */
  securityProfile?: SecurityProfile;
}

/** Parameters arrive as strings; repeated parameters were already refused by the HTTP layer. */
export async function validateAuthorizationRequest(params: Record<string, string>, s: AuthorizeSettings): Promise<AuthorizationRequest> {
  if (!params.client_id) throw new InvalidClientId('client_id is missing.');
  const client = await s.clients.findByClientId(params.client_id);
  if (!client) throw new InvalidClientId('There is no application with this client_id.');

  // RFC 6749 §3.1.2.3: with several registered URIs the request must name one; it must match exactly.
  let redirectUri: string;
  if (params.redirect_uri !== undefined) {
    if (!matchRedirectUri(params.redirect_uri, client.redirectUris)) throw new InvalidRedirectUri('The redirect_uri is not registered for this application.');
    redirectUri = params.redirect_uri;
  } else if ((params.scope ?? '').split(' ').includes('openid')) {
    // OpenID Connect Core §3.1.2.1: redirect_uri is REQUIRED in an authentication request, even with one registered.
    throw new InvalidRedirectUri('redirect_uri is required for an OpenID Connect request (scope openid).');
  } else if (client.redirectUris.length === 1) {
    redirectUri = client.redirectUris[0];
  } else {
    throw new InvalidRedirectUri(client.redirectUris.length ? 'redirect_uri is required: this application registered several.' : 'This application has no redirect URI registered.');
  }

  const state = params.state;
  // Errors go back the way the response would (Multiple Response Type Encoding §2.1; Core §3.2.2.6: the fragment).
  const { mode: responseMode, error: modeError } = responseModeOf(params.response_type, params.response_mode);
  // RFC 6749 §4.1.2: the redirect back repeats the state, re-encoded (an unreserved `~` sent as is becomes %7E). One
  // that could take the response's Location past MAX_RESPONSE_LOCATION is refused on a page, since the error's redirect
  // would repeat it too: a Location past ~16 KB is one the client cannot read (undici: UND_ERR_HEADERS_OVERFLOW).
  // form_post carries it in a form, whatever its length (second read 11, #6).
  if (state !== undefined && responseMode !== 'form_post' && redirectUri.length + new URLSearchParams({ state }).toString().length + RESPONSE_ROOM > MAX_RESPONSE_LOCATION) {
    throw new InvalidRequest('state is too long to come back in the redirect: send a shorter state, or ask for response_mode=form_post.', { fatal: true });
  }
  const fail: (e: OAuthError) => never = (e) => { throw new RedirectError(e, redirectUri, state, responseMode); };
  if (modeError) fail(modeError);

  if (!params.response_type) fail(new InvalidRequest('response_type is required.'));
  // The response type registry (response-types.ts) says what each returns and which grants it needs.
  const rule = responseTypeRule(params.response_type);
  if (!rule) fail(new UnsupportedResponseType(`response_type "${params.response_type.slice(0, 40)}" is not supported.`));
  const responseType = rule.value;
  // OpenID Connect Registration §2: a client uses only the response types it registered (and their grants).
  if (!client.responseTypes.includes(responseType) || !rule.grants.every((g) => client.grantTypes.includes(g))) {
    fail(new UnauthorizedClient(`This application is not allowed the response type "${responseType}".`));
  }

  // Core §3.1.2.6 / RFC 9101: a request object would carry parameters (a nonce) that ignoring it would lose.
  if (params.request !== undefined) fail(new RequestNotSupported('Request objects (request) are not supported.'));
  if (params.request_uri !== undefined) fail(new RequestUriNotSupported('Request objects by reference (request_uri) are not supported.'));

  let target: Awaited<ReturnType<typeof decideResources>> | undefined;
  try {
    const resolved = resolveScope(parseScope(params.scope), client.allowedScopes, s.defaultScopes);
    // RFC 8707 §2: every resource known and well-formed, the scope one they take (invalid_target, redirected).
    target = await decideResources(params.resource, resolved, params.scope !== undefined, s.resources);
  } catch (e) { if (isOAuthError(e)) fail(e); throw e; }
  const scopes = target!.scopes;
  // Core §3.2.2.1, §3.3.2.1: implicit and hybrid flows are OpenID Connect requests, which carry scope openid.
  if (rule.openid && !scopes.includes('openid')) fail(new InvalidRequest(`response_type "${responseType}" needs scope openid.`));

  // SECURITY_PROFILE (security-profile/requests.ts): before PKCE's own checks, so the refusal names the profile rule.
  const violation = authorizationViolation(s.securityProfile, { responseType, code: rule.code, codeChallengeMethod: params.code_challenge === undefined ? undefined : params.code_challenge_method ?? 'plain', resources: target!.resources });
  if (violation) fail(violation);
  let codeChallenge: string | undefined;
  let codeChallengeMethod: PkceMethod | undefined;
  if (rule.code) {
    if (params.code_challenge !== undefined) {
      if (!isValidChallenge(params.code_challenge)) fail(new InvalidRequest('code_challenge is malformed (RFC 7636 §4.2).'));
      try { codeChallengeMethod = parseChallengeMethod(params.code_challenge_method, s.allowPlainPkce); } catch (e) { fail(e as OAuthError); }
      codeChallenge = params.code_challenge;
    } else if (client.clientType === 'public') {
      // OAuth 2.1 / RFC 9700 §2.1.1: public clients must use PKCE.
      fail(new InvalidRequest('code_challenge is required for public clients (PKCE, S256).'));
    } else if (params.code_challenge_method !== undefined) {
      fail(new InvalidRequest('code_challenge_method was sent without code_challenge.'));
    }
  }
  // RFC 9449 §10: dpop_jkt binds the code to a key; the token request must prove it.
  if (params.dpop_jkt !== undefined && (!rule.code || !isJkt(params.dpop_jkt))) fail(new InvalidRequest('dpop_jkt must be the base64url SHA-256 thumbprint of a key, with a code response type.'));
  // The nonce is echoed in a signed token: bounded, so a request cannot make the server store and sign megabytes.
  if (params.nonce !== undefined && params.nonce.length > MAX_NONCE_LENGTH) fail(new InvalidRequest(`nonce is longer than ${MAX_NONCE_LENGTH} characters.`));
  const nonce = scopes.includes('openid') ? params.nonce : undefined;
  // Core §3.2.2.1, §3.3.2.11: an ID Token from the authorization endpoint REQUIRES a nonce (against replay).
  if (rule.idToken && !nonce) fail(new InvalidRequest(`nonce is required with response_type "${responseType}".`));
  let maxAge: number | undefined;
  let claims: ClaimsRequest | undefined;
  let expectedSub: string | undefined;
  try {
    ({ maxAge } = validateAuthenticationParams(params));
    if (scopes.includes('openid')) claims = parseClaimsRequest(params.claims, client.allowedScopes);
    // Core §3.1.2.1: an id_token_hint we issued to this client (expired accepted); its sub is who must be signed in.
    if (params.id_token_hint !== undefined) expectedSub = await idTokenHintSubject(params.id_token_hint, client.clientId, s.verifyIdTokenHint);
    // Core §5.5.1: a requested sub value names the End-User as the hint does; the two must agree.
    if (claims?.sub !== undefined) {
      if (expectedSub !== undefined && expectedSub !== claims.sub) throw new InvalidRequest('claims asks for another sub than id_token_hint names.');
      expectedSub = claims.sub;
    }
  } catch (e) { if (isOAuthError(e)) fail(e); throw e; }
  return { client, redirectUri, redirectUriProvided: params.redirect_uri !== undefined, responseType, rule, responseMode, scopes, state, codeChallenge, codeChallengeMethod, prompt: params.prompt, maxAge, nonce, claims, claimsParameter: claims && params.claims, expectedSub, idTokenHint: params.id_token_hint, resources: target!.resources, audience: target!.audience, dpopJkt: params.dpop_jkt, loginAfter: /^\d{1,15}$/.test(params[LOGIN_AFTER] ?? '') ? Number(params[LOGIN_AFTER]) : undefined };
}

/** The admin scope acts as an administrator; only administrators can grant it (privileges.ts). */
export function checkUserMayGrant(req: AuthorizationRequest, user: { isAdmin: boolean }): void {
  const refused = scopeUserMayNotHold(req.scopes, user);
  if (refused) {
    throw redirectError(req, new InvalidScope(`Only administrators can grant the ${refused} scope.`));
  }
}

/** An error for the client, sent to its redirect URI in the request's response mode. */
export function redirectError(req: AuthorizationRequest, e: OAuthError): RedirectError {
  return new RedirectError(e, req.redirectUri, req.state, req.responseMode);
}

export function denied(req: AuthorizationRequest): RedirectError {
  return redirectError(req, new AccessDenied('The user denied the request.'));
}

/** RFC 6749 §4.1.2.1 and RFC 9207 §2: the error, the state and our issuer, in the request's response mode. */
export function errorResponse(e: RedirectError, issuer: string): AuthorizationResponse {
  return authorizationResponse(e.redirectUri, { error: e.error.error, error_description: e.error.description, state: e.state, iss: issuer }, e.mode);
}

/** Hidden fields that carry a validated request from the consent page back to the POST. */
export function requestFields(req: AuthorizationRequest): Record<string, string> {
  const f: Record<string, string> = { client_id: req.client.clientId, response_type: req.responseType, response_mode: req.responseMode, scope: formatScope(req.scopes) };
  if (req.redirectUriProvided) f.redirect_uri = req.redirectUri;
  if (req.state !== undefined) f.state = req.state;
  if (req.codeChallenge) { f.code_challenge = req.codeChallenge; f.code_challenge_method = req.codeChallengeMethod!; }
  if (req.nonce !== undefined) f.nonce = req.nonce;
  // Core §3.1.2.1: with max_age, auth_time is REQUIRED in the ID Token; the approval reads it from here (approve.ts).
  if (req.maxAge !== undefined) f.max_age = String(req.maxAge);
  if (req.claimsParameter !== undefined) f.claims = req.claimsParameter;
  if (req.resources?.length) f.resource = formatResources(req.resources);
  if (req.dpopJkt) f.dpop_jkt = req.dpopJkt;
  // Core §3.1.2.1: the user the request names, for a decision set aside for a login (another user's login must not
  // answer it: attacker read 27, F1).
  if (req.idTokenHint !== undefined) f.id_token_hint = req.idTokenHint;
  if (req.loginAfter !== undefined) f[LOGIN_AFTER] = String(req.loginAfter);
  return f;
}
