// How the client proves itself and its requests: the token endpoint's authentication method, its public keys
// (jwks or jwks_uri), the algorithms of its assertions and request objects, and the request_uris it may pass.
import { CLIENT_AUTH_METHOD_NAMES } from '../client-auth.ts';
import { assertionAlgsFor, CLIENT_ASSERTION_ALGS, publicJwkProblem, REQUEST_OBJECT_ALGS } from '../client-assertion/algorithms.ts';
import type { TokenEndpointAuthMethod } from '../store.ts';
import { choice, httpsUrlProblem, optionalText, toList } from './fields.ts';
import type { Check } from './types.ts';
import { MAX_URI_LIST_CHARS, overCharBound } from './redirect-uris.ts';

/** RFC 9101 §10.1 / Core §6: the algorithms request objects may use (client-assertion/algorithms.ts). */
export { REQUEST_OBJECT_ALGS };
const MAX_JWKS_KEYS = 10;
const MAX_JWKS_LENGTH = 16 * 1024;
export const MAX_REQUEST_URIS = 10;

export function validAuthMethod({ raw, errors }: Check, clientType: unknown): unknown {
  const defaultMethod: TokenEndpointAuthMethod = clientType === 'public' ? 'none' : 'client_secret_basic';
  const method = raw.tokenEndpointAuthMethod === undefined || raw.tokenEndpointAuthMethod === '' ? defaultMethod : raw.tokenEndpointAuthMethod;
  if (!CLIENT_AUTH_METHOD_NAMES.includes(method as TokenEndpointAuthMethod)) errors.tokenEndpointAuthMethod = `Choose ${CLIENT_AUTH_METHOD_NAMES.join(', ').replace(/, ([^,]*)$/, ' or $1')}.`;
  else if ((clientType === 'public') !== (method === 'none')) {
    errors.tokenEndpointAuthMethod = clientType === 'public' ? 'Public clients authenticate with "none".' : 'Confidential clients authenticate with their secret or a client assertion.';
  }
  return method;
}

export interface ClientKeys { jwks: string | null | undefined; requestObjectSigningAlg: string | null; jwksUri: string | null | undefined; tokenEndpointAuthSigningAlg: string | null | undefined }

export function validKeys({ raw, policy, context, errors }: Check, method: unknown): ClientKeys {
  // RFC 9101 / Core §6: the keys request objects are verified with, and their one algorithm. Not privileges: they
  // only let the client prove its requests (left out, the current ones stay; null or '' removes them).
  const jwksRaw = raw.jwks === undefined ? context.current?.jwks ?? null : raw.jwks;
  const checked = jwksRaw === null || jwksRaw === '' ? null : checkJwkSet(jwksRaw);
  const jwks = checked === null ? null : 'text' in checked ? checked.text : undefined;
  if (checked && 'problem' in checked) errors.jwks = checked.problem;
  const algRaw = raw.requestObjectSigningAlg === undefined ? context.current?.requestObjectSigningAlg ?? null : raw.requestObjectSigningAlg;
  const requestObjectSigningAlg = algRaw === null || algRaw === '' ? null : choice(algRaw, REQUEST_OBJECT_ALGS, 'RS256');
  if (algRaw !== null && algRaw !== '' && !requestObjectSigningAlg) errors.requestObjectSigningAlg = `Choose ${REQUEST_OBJECT_ALGS.join(', ')}.`;

  // Registration §2 / RFC 7591 §2 jwks_uri: https (http only in development), not together with jwks.
  const jwksUri = raw.jwksUri === undefined ? (context.current?.jwksUri ?? null) : optionalText(raw.jwksUri);
  if (jwksUri === undefined) errors.jwksUri = 'Must be a URL.';
  else if (jwksUri) {
    const problem = httpsUrlProblem(jwksUri, policy.allowInsecureTransport);
    if (problem) errors.jwksUri = problem;
    else if (jwks) errors.jwksUri = 'Register jwks or jwks_uri, not both (RFC 7591 §2).';
  }
  // Core §9 / Registration §2: private_key_jwt needs keys to verify with; the signing algorithm, if registered, fits the method.
  if (method === 'private_key_jwt' && !jwks && !jwksUri && !errors.jwks && !errors.jwksUri) errors.tokenEndpointAuthMethod = 'private_key_jwt needs the client\'s public keys: jwks or jwks_uri.';
  const authAlgRaw = raw.tokenEndpointAuthSigningAlg === undefined ? (context.current?.tokenEndpointAuthSigningAlg ?? null) : raw.tokenEndpointAuthSigningAlg;
  const tokenEndpointAuthSigningAlg = authAlgRaw === null || authAlgRaw === '' ? null : typeof authAlgRaw === 'string' && CLIENT_ASSERTION_ALGS.includes(authAlgRaw) ? authAlgRaw : undefined;
  if (tokenEndpointAuthSigningAlg === undefined) errors.tokenEndpointAuthSigningAlg = `Choose ${CLIENT_ASSERTION_ALGS.join(', ')}.`;
  else if (tokenEndpointAuthSigningAlg && (method === 'private_key_jwt' || method === 'client_secret_jwt') && assertionAlgsFor(method, tokenEndpointAuthSigningAlg).length === 0) {
    errors.tokenEndpointAuthSigningAlg = `${tokenEndpointAuthSigningAlg} does not fit ${method as string}.`;
  }
  return { jwks, requestObjectSigningAlg, jwksUri, tokenEndpointAuthSigningAlg };
}

/** RFC 9101 §5.2 / Registration §2 request_uris: https URLs the client may pass by reference, matched exactly. */
export function validRequestUris({ raw, policy, context, errors }: Check): string[] {
  const requestUriList = raw.requestUris === undefined ? (context.current?.requestUris ?? []) : toList(raw.requestUris);
  const requestUris: string[] = [];
  if (!requestUriList) errors.requestUris = 'URIs must be text.';
  else if (requestUriList.length > MAX_REQUEST_URIS) errors.requestUris = `Register at most ${MAX_REQUEST_URIS} request_uris.`;
  else if (overCharBound(requestUriList)) errors.requestUris = `Register at most ${MAX_URI_LIST_CHARS} characters of request_uris.`;
  else {
    for (const u of requestUriList) {
      // https (plain http only in development, as for every other URL the server fetches).
      const problem = httpsUrlProblem(u, policy.allowInsecureTransport);
      if (problem) { errors.requestUris = `${u}: ${problem}`; break; }
      if (!requestUris.includes(u)) requestUris.push(u);
    }
  }
  return requestUris;
}

/**
 * A JWK Set of public keys only (a private member would mean the client leaked its key), as canonical JSON, or why
 * it is not one. A key that could never verify anything here (publicJwkProblem) is refused where it is registered.
 */
export function checkJwkSet(raw: unknown): { text: string } | { problem: string } {
  const invalid = { problem: `Must be a JWK Set of at most ${MAX_JWKS_KEYS} public keys.` };
  let set: unknown = raw;
  if (typeof raw === 'string') {
    if (raw.length > MAX_JWKS_LENGTH) return invalid;
    try { set = JSON.parse(raw); } catch { return invalid; }
  }
  const keys = (set as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0 || keys.length > MAX_JWKS_KEYS) return invalid;
  for (const k of keys) {
    if (typeof k !== 'object' || k === null || typeof (k as { kty?: unknown }).kty !== 'string') return invalid;
    if (['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'].some((m) => m in k)) return invalid;
    const problem = publicJwkProblem(k as Record<string, unknown>);
    if (problem) return { problem };
  }
  const text = JSON.stringify({ keys });
  return text.length > MAX_JWKS_LENGTH ? invalid : { text };
}

/** checkJwkSet's canonical JSON; undefined when the set is refused. */
export function publicJwkSet(raw: unknown): string | undefined {
  const checked = checkJwkSet(raw);
  return 'text' in checked ? checked.text : undefined;
}
