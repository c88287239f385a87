// Errors named after their RFC codes (DESIGN rule 2): the class fixes the code and the HTTP status.

export interface OAuthErrorOptions { fatal?: boolean; headers?: Record<string, string>; uri?: string; reason?: string }

/** What a subclass fixes; read from the constructor so the instance fields can stay readonly. */
interface Kind { error: string; status: number; defaults: OAuthErrorOptions }

const GENERIC: Kind = { error: 'server_error', status: 500, defaults: {} };

export class OAuthError extends Error {
  /** The RFC error code, e.g. `invalid_grant`. */
  readonly error: string;
  readonly status: number;
  readonly description: string;
  /** True when the error must never be sent to the client's redirect URI (unknown client, bad redirect_uri). */
  readonly fatal: boolean;
  readonly headers: Record<string, string>;
  /** RFC 6749 §5.2 error_uri, when there is a page explaining the error. */
  readonly uri: string | undefined;
  /** Why, for the client's developer (src/oauth2/failure-reasons.ts): never sent in the response, never secret. */
  readonly reason: string | undefined;
  constructor(description?: string, opts: OAuthErrorOptions = {}) {
    super(description ?? 'The request could not be completed.');
    // Static members are inherited, so `InvalidRequest.kind` finds the one `kind()` declared.
    const k = (new.target as unknown as { kind?: Kind }).kind ?? GENERIC;
    this.name = new.target.name;
    this.error = k.error;
    this.status = k.status;
    this.description = this.message;
    this.fatal = opts.fatal ?? k.defaults.fatal ?? false;
    this.headers = { ...k.defaults.headers, ...opts.headers };
    this.uri = opts.uri ?? k.defaults.uri;
    this.reason = opts.reason;
  }
  toJSON(): { error: string; error_description?: string; error_uri?: string } {
    const out: { error: string; error_description?: string; error_uri?: string } = { error: this.error };
    if (this.description) out.error_description = this.description;
    if (this.uri) out.error_uri = this.uri;
    return out;
  }
}

/** Declares a subclass with a fixed code and status (and default options). */
function kind(error: string, status: number, defaults: OAuthErrorOptions = {}) {
  return class extends OAuthError {
    static readonly kind: Kind = { error, status, defaults };
  };
}

// RFC 6749 §5.2 and §4.1.2.1
export class InvalidRequest extends kind('invalid_request', 400) {}
// RFC 6749 §5.2: 401 with WWW-Authenticate matching the scheme the client used.
export class InvalidClient extends kind('invalid_client', 401, { headers: { 'WWW-Authenticate': 'Basic realm="gatehouse"' } }) {}
export class InvalidGrant extends kind('invalid_grant', 400) {}
export class UnauthorizedClient extends kind('unauthorized_client', 400) {}
export class UnsupportedGrantType extends kind('unsupported_grant_type', 400) {}
export class InvalidScope extends kind('invalid_scope', 400) {}
// RFC 8707 §2: the resource is unknown, malformed, or not allowed with the requested scope.
export class InvalidTarget extends kind('invalid_target', 400) {}
export class AccessDenied extends kind('access_denied', 403) {}
export class UnsupportedResponseType extends kind('unsupported_response_type', 400) {}
export class ServerError extends kind('server_error', 500) {
  constructor(description = 'The server encountered an unexpected condition.', opts?: OAuthErrorOptions) { super(description, opts); }
}
export class TemporarilyUnavailable extends kind('temporarily_unavailable', 503) {}
// RFC 7591 §3.2.2: the registration endpoint's refusals.
export class InvalidRedirectUriMetadata extends kind('invalid_redirect_uri', 400) {}
export class InvalidClientMetadata extends kind('invalid_client_metadata', 400) {}
export class InvalidSoftwareStatement extends kind('invalid_software_statement', 400) {}
// OpenID Connect Core §3.1.2.6: request objects (§6) are not supported, and say so rather than being ignored.
export class RequestNotSupported extends kind('request_not_supported', 400) {}
export class RequestUriNotSupported extends kind('request_uri_not_supported', 400) {}
/** RFC 9101 §6.2 / RFC 9126 §4: the request_uri names no usable request. Fatal: no redirect_uri can be trusted then. */
export class InvalidRequestUri extends kind('invalid_request_uri', 400, { fatal: true }) {}
/** RFC 9101 §6.2 / Core §3.1.2.6: the request object is unverifiable or invalid. Fatal: its redirect_uri is not trusted. */
export class InvalidRequestObject extends kind('invalid_request_object', 400, { fatal: true }) {}
/** Too many failed attempts for this user or client: the same error code, with 429 and Retry-After. */
export class TooManyAttempts extends kind('invalid_grant', 429) {}
// RFC 8628 §3.5: the device access token response's own codes (all 400, as RFC 6749 §5.2 errors are).
export class AuthorizationPending extends kind('authorization_pending', 400) {}
export class SlowDown extends kind('slow_down', 400) {}
export class ExpiredToken extends kind('expired_token', 400) {}
export class DeviceAccessDenied extends kind('access_denied', 400) {}
// RFC 7009 §2.2.1
export class UnsupportedTokenType extends kind('unsupported_token_type', 400) {}
// RFC 6750 §3.1
export class InvalidToken extends kind('invalid_token', 401) {}
export class InsufficientScope extends kind('insufficient_scope', 403) {}
// RFC 6749 §4.1.2.1: the authorization endpoint MUST NOT redirect for these; it shows a page instead.
export class InvalidRedirectUri extends kind('invalid_request', 400, { fatal: true }) {}
export class InvalidClientId extends kind('invalid_client', 400, { fatal: true }) {}
// OpenID Connect Core §3.1.2.6: prompt=none and the request needs a page the user would have to see.
export class LoginRequired extends kind('login_required', 400) {}
export class ConsentRequired extends kind('consent_required', 400) {}
export class InteractionRequired extends kind('interaction_required', 400) {}

export function isOAuthError(e: unknown): e is OAuthError {
  return e instanceof OAuthError;
}
// RFC 9449 §5, §8: a token endpoint's refusal of a DPoP proof, or its demand for a server nonce (400, JSON).
export class InvalidDpopProof extends kind('invalid_dpop_proof', 400) {}
export class UseDpopNonce extends kind('use_dpop_nonce', 400) {}
// RFC 9449 §7.1, §9: the same refusals at a protected resource, which answers 401 with a DPoP challenge.
export class InvalidDpopProofAtResource extends kind('invalid_dpop_proof', 401) {}
export class UseDpopNonceAtResource extends kind('use_dpop_nonce', 401) {}
