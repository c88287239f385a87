/**
 * The one reading of an `Authorization: Bearer` header (RFC 6750 §2.1), for every place that accepts access
 * tokens: requireToken() on resource routes, introspection's bearer mode and the GraphQL admin API (whose lane
 * depends on it too). Plain string in, a token or a typed refusal out.
 *
 *   b64token    = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
 *   credentials = "Bearer" 1*SP b64token
 */
export type BearerRefusal =
  /** No Authorization header: the caller sent no credentials (RFC 6750 §3.1: answer without an error code). */
  | 'absent'
  /** Another scheme (Basic, OAuth): not a bearer token, another layer's business. */
  | 'other_scheme'
  /** `Bearer` with nothing after it. */
  | 'empty'
  /** `Bearer` followed by something that is not 1*SP b64token (a tab, a space inside, a forbidden character). */
  | 'malformed';

export type BearerCredentials = { ok: true; token: string } | { ok: false; refusal: BearerRefusal };

// The scheme is case-insensitive (RFC 9110 §11.1); the separator is one or more spaces, nothing else.
const CREDENTIALS = /^bearer +[A-Za-z0-9\-._~+/]+=*$/i;
const SCHEME = /^bearer(?:\s|$)/i;
const EMPTY = /^bearer\s*$/i;

const refused = (refusal: BearerRefusal): BearerCredentials => ({ ok: false, refusal });

/** Reads an Authorization header value (undefined or '' when the request has none). */
export function parseBearer(authorization: string | undefined): BearerCredentials {
  if (!authorization) return refused('absent');
  // A b64token holds no space, so the token is what follows the last one.
  if (CREDENTIALS.test(authorization)) return { ok: true, token: authorization.slice(authorization.lastIndexOf(' ') + 1) };
  if (!SCHEME.test(authorization)) return refused('other_scheme');
  return refused(EMPTY.test(authorization) ? 'empty' : 'malformed');
}

/** Whether the caller chose the Bearer scheme, well-formed or not: such a request is judged as a bearer request. */
export const usesBearerScheme = (c: BearerCredentials): boolean => c.ok || c.refusal === 'empty' || c.refusal === 'malformed';

// RFC 9449 §7.1: `Authorization: DPoP <token>`, with the token68 syntax of Bearer's b64token.
const DPOP_CREDENTIALS = /^dpop +([A-Za-z0-9\-._~+/]+=*)$/i;
const DPOP_SCHEME = /^dpop(?:\s|$)/i;

/** The access token of an `Authorization: DPoP` header, or null when the header names another scheme or is malformed. */
export const parseDpopAuthorization = (authorization: string | undefined): string | null => DPOP_CREDENTIALS.exec(authorization ?? '')?.[1] ?? null;

/** Whether the caller chose the DPoP scheme (well-formed or not): judged as a token request, like Bearer's. */
export const usesDpopScheme = (authorization: string | undefined): boolean => DPOP_SCHEME.test(authorization ?? '');
