import { InvalidRequest } from '../oauth2/errors.ts';
import { AUTH_TIME_ASKED, CLAIM_VALUES, claimsOfScope } from './claims.ts';

/** OpenID Connect Core §3.1.2.1 display values; Gatehouse's pages fit each, so the value changes nothing. */
export const DISPLAY_VALUES = ['page', 'popup', 'touch', 'wap'] as const;

/** The claims asked for by name, per place of release (Core §5.5), limited to claims Gatehouse knows. */
export interface ClaimsRequest {
  userinfo: string[];
  id_token: string[];
  /** §5.5.1: a specific `sub` value asked for (in either member): only that End-User may be answered. */
  sub?: string;
}

const MAX_CLAIMS_PARAMETER = 4096;

/**
 * Core §5.5: the `claims` request parameter, a JSON object whose `userinfo` and `id_token` members name claims.
 * `essential`, `value` and `values` are accepted and not acted on (§5.5.1: a claim is released when the user has
 * it, essential or not); unknown claims are ignored (§5.5: "MUST ignore"). Malformed JSON is invalid_request.
 * A claim is kept only when a scope the client is allowed (`allowedScopes`, set by its owner within what an
 * administrator permits) releases it (§5.4): asking by name reaches no further than asking by scope could.
 */
export function parseClaimsRequest(value: string | undefined, allowedScopes: readonly string[]): ClaimsRequest | undefined {
  if (value === undefined || value === '') return undefined;
  if (value.length > MAX_CLAIMS_PARAMETER) throw new InvalidRequest(`claims is longer than ${MAX_CLAIMS_PARAMETER} characters.`);
  let parsed: unknown;
  try { parsed = JSON.parse(value); } catch { throw new InvalidRequest('claims is not valid JSON (OpenID Connect Core §5.5).'); }
  if (!isObject(parsed)) throw new InvalidRequest('claims must be a JSON object (OpenID Connect Core §5.5).');
  const out: ClaimsRequest = { userinfo: [], id_token: [] };
  const reachable = new Set(allowedScopes.flatMap(claimsOfScope));
  for (const member of ['userinfo', 'id_token'] as const) {
    const m = parsed[member];
    if (m === undefined || m === null) continue;
    if (!isObject(m)) throw new InvalidRequest(`claims.${member} must be a JSON object (OpenID Connect Core §5.5).`);
    for (const [name, spec] of Object.entries(m)) {
      if (spec !== null && !isObject(spec)) throw new InvalidRequest(`claims.${member}.${name.slice(0, 40)} must be null or an object.`);
      if (name === 'sub' && spec?.value !== undefined) {
        if (typeof spec.value !== 'string' || (out.sub !== undefined && out.sub !== spec.value)) throw new InvalidRequest('claims asks for more than one sub value (OpenID Connect Core §5.5.1).');
        out.sub = spec.value;
      }
      if (Object.hasOwn(CLAIM_VALUES, name) && reachable.has(name)) out[member].push(name);
      // §5.5.1: auth_time asked for in the ID Token is REQUIRED there. It is a fact of the login, not of the user, so no
      // scope releases it (what a pairwise client gets only when asked: subject.ts authTimeFor).
      else if (member === 'id_token' && name === AUTH_TIME_ASKED && !out.id_token.includes(name)) out.id_token.push(name);
    }
  }
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every claim of the user's a claims request names, for the consent page (not auth_time, a fact of the login). */
export const requestedClaims = (c: ClaimsRequest | undefined): string[] => [...new Set([...(c?.userinfo ?? []), ...(c?.id_token ?? [])])].filter((name) => Object.hasOwn(CLAIM_VALUES, name));

/**
 * What the login page may take from the authentication request it interrupts (Core §3.1.2.1): `login_hint` to
 * prefill the username, `ui_locales` for its language. `next` is the local URL the login returns to.
 */
export function loginHints(next: string): { loginHint?: string; uiLocales?: string } {
  let q: URLSearchParams;
  try { q = new URL(next, 'http://local').searchParams; } catch { return {}; }
  const hint = q.get('login_hint')?.trim();
  return {
    // A username is at most 150 characters (accounts/users.ts): a longer hint names no one, so it is dropped.
    loginHint: hint && hint.length <= 150 ? hint : undefined,
    uiLocales: q.get('ui_locales') ?? undefined,
  };
}

/**
 * The claims of a request the user has not agreed to share with the client yet: asked for by name (§5.5), not
 * released by a scope of the request or of the grant, and not consented to before (`consented`, space-separated).
 */
export function unconsentedClaims(claims: ClaimsRequest | undefined, scopes: readonly string[], consented = ''): string[] {
  const covered = new Set([...scopes.flatMap(claimsOfScope), ...consented.split(' ')]);
  return requestedClaims(claims).filter((c) => !covered.has(c));
}
