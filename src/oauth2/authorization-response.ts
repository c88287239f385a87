// How an authorization response (or error) reaches the client: the response mode (OAuth 2.0 Multiple Response Type
// Encoding Practices §2, OAuth 2.0 Form Post Response Mode §2). The http layer redirects, or renders the form post.
import { InvalidRequest } from './errors.ts';
import { RESPONSE_MODES, responseTypeRule, type ResponseMode } from './response-types.ts';

/** What the client receives: the parameters, where, and how. */
export interface AuthorizationResponse { redirectUri: string; mode: ResponseMode; params: Record<string, string> }

export const isRedirect = (r: AuthorizationResponse): boolean => r.mode !== 'form_post';

/** Multiple Response Type Encoding §2.1: a response that carries a token is never in the query. */
export function defaultResponseMode(responseType: string | undefined): 'query' | 'fragment' {
  const rule = responseTypeRule(responseType ?? '');
  if (rule) return rule.defaultMode;
  // An unknown response type is answered as the token it names would be: never in the query.
  return (responseType ?? '').split(' ').some((p) => p === 'token' || p === 'id_token') ? 'fragment' : 'query';
}

/**
 * The response_mode parameter: absent, the response type's default. Returns the mode and, when the request's value
 * cannot be used, the error to send back in the default mode.
 */
export function responseModeOf(responseType: string | undefined, requested: string | undefined): { mode: ResponseMode; error?: InvalidRequest } {
  const mode = defaultResponseMode(responseType);
  if (requested === undefined) return { mode };
  if (!(RESPONSE_MODES as readonly string[]).includes(requested)) return { mode, error: new InvalidRequest(`response_mode "${requested.slice(0, 40)}" is not supported.`) };
  // Multiple Response Type Encoding §2.1: parameters whose default mode is the fragment MUST NOT be in the query.
  if (requested === 'query' && mode === 'fragment') return { mode, error: new InvalidRequest('response_mode=query cannot carry tokens.') };
  return { mode: requested as ResponseMode };
}

/** The response's parameters, undefined ones left out. */
export function authorizationResponse(redirectUri: string, params: Record<string, string | number | undefined>, mode: ResponseMode): AuthorizationResponse {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) if (v !== undefined) out[k] = String(v);
  return { redirectUri, mode, params: out };
}

/** RFC 6749 §3.1.2: keep the redirect URI's own query; add ours to the query or to the fragment. */
export function redirectLocation(r: AuthorizationResponse): string {
  const url = new URL(r.redirectUri);
  const extra = new URLSearchParams(r.params);
  if (r.mode === 'fragment') url.hash = extra.toString();
  else for (const [k, v] of extra) url.searchParams.append(k, v);
  return url.toString();
}
