import { InvalidClient, InvalidRequest } from './errors.ts';

/**
 * The registry of client authentication methods (RFC 6749 §2.3; names from RFC 7591 §2, OIDC Core §9): discovery,
 * registration validation, the form, the GraphQL enum (checked by a test) and the unions derive from it. `secret`:
 * the client proves itself (a secret, or a JWT signed with its secret or key); endpoints only for confidential
 * clients (introspection) accept only those. `jwt`: RFC 7523 §2.2 client assertions (client-assertion/).
 */
export const CLIENT_AUTH_METHODS = [
  { name: 'client_secret_basic', secret: true, jwt: false },
  { name: 'client_secret_post', secret: true, jwt: false },
  { name: 'client_secret_jwt', secret: true, jwt: true },
  { name: 'private_key_jwt', secret: true, jwt: true },
  { name: 'none', secret: false, jwt: false },
] as const;

export type ClientAuthMethod = (typeof CLIENT_AUTH_METHODS)[number]['name'];
export const CLIENT_AUTH_METHOD_NAMES: readonly ClientAuthMethod[] = CLIENT_AUTH_METHODS.map((m) => m.name);
export const SECRET_AUTH_METHOD_NAMES: readonly ClientAuthMethod[] = CLIENT_AUTH_METHODS.filter((m) => m.secret).map((m) => m.name);

export const JWT_AUTH_METHOD_NAMES: readonly ClientAuthMethod[] = CLIENT_AUTH_METHODS.filter((m) => m.jwt).map((m) => m.name);

/** `assertion`: an RFC 7523 client assertion, its client_id read (unverified) from its `sub`; `method` from its `alg`. */
export interface PresentedClientCredentials { method: ClientAuthMethod; clientId: string; clientSecret?: string; assertion?: string }

/** RFC 7523 §2.2: the one client_assertion_type value. */
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** A client assertion longer than this is not one (a few claims and a signature). */
const MAX_ASSERTION = 8 * 1024;

/**
 * RFC 7523 §2.2 / §3: a client_assertion in the body. The client is named by the JWT's `sub` (and `iss`), read here
 * without verification only to find whom to verify it for; client_id, when sent too, must name the same client.
 * HS* means client_secret_jwt, anything else private_key_jwt: the client's registered method decides whether it is
 * accepted (authenticate-client.ts).
 */
function presentedAssertion(body: Record<string, unknown>, hasBasic: boolean): PresentedClientCredentials {
  const type = body.client_assertion_type;
  const assertion = body.client_assertion;
  if (typeof type !== 'string' || typeof assertion !== 'string') throw new InvalidRequest('client_assertion and client_assertion_type go together.');
  // RFC 6749 §2.3: one authentication method per request.
  if (hasBasic || body.client_secret !== undefined) throw new InvalidRequest('Use one client authentication method, not a client assertion and a secret together.');
  // RFC 7521 §4.2.1: an assertion type or assertion the server cannot use is invalid_client.
  if (type !== JWT_BEARER_ASSERTION_TYPE || assertion.length > MAX_ASSERTION) throw new InvalidClient('Client authentication failed.');
  const parts = assertion.split('.');
  let header: { alg?: unknown }; let claims: { sub?: unknown; iss?: unknown };
  try {
    if (parts.length !== 3) throw new Error('not a JWS');
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as { alg?: unknown };
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as { sub?: unknown; iss?: unknown };
  } catch { throw new InvalidClient('Client authentication failed.'); }
  const sub = typeof claims?.sub === 'string' ? claims.sub : '';
  if (!sub || typeof header?.alg !== 'string') throw new InvalidClient('Client authentication failed.');
  // RFC 7523 §3 / RFC 7521 §4.2: client_id, when present, MUST identify the same client as the assertion.
  if (body.client_id !== undefined && body.client_id !== sub) throw new InvalidClient('Client authentication failed.');
  return { method: header.alg.startsWith('HS') ? 'client_secret_jwt' : 'private_key_jwt', clientId: sub, assertion };
}

const malformed = () => new InvalidClient('The Authorization header is malformed.');
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** RFC 6749 §2.3.1 / Appendix B: the id and secret inside Basic are application/x-www-form-urlencoded. */
function formDecode(s: string): string {
  // Gatehouse's own ids and secrets are base64url: nothing to decode (the common case, on every token request).
  if (!s.includes('%') && !s.includes('+')) return s;
  try { return decodeURIComponent(s.replace(/\+/g, ' ')); } catch { throw malformed(); }
}

const formEncode = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');

// RFC 7617 §2 / RFC 4648 §4: standard base64; padding is tolerated missing, other alphabets are not.
const BASIC = /^basic(?:\s+([A-Za-z0-9+/]+={0,2}))?\s*$/i;

export function parseBasicAuthorization(header: string): { clientId: string; clientSecret: string } {
  const m = BASIC.exec(header);
  if (!m?.[1]) throw malformed();
  const bytes = Buffer.from(m[1], 'base64');
  // Node's decoder skips junk silently; re-encoding must give the input back, or it was not base64.
  if (bytes.toString('base64').replace(/=+$/, '') !== m[1].replace(/=+$/, '')) throw malformed();
  let decoded: string;
  try { decoded = strictUtf8.decode(bytes); } catch { throw malformed(); }
  // RFC 6749 §2.3.1: the id is form-encoded, so the first colon is the separator; the secret may hold more.
  const colon = decoded.indexOf(':');
  if (colon < 0) throw malformed();
  const clientId = formDecode(decoded.slice(0, colon));
  const clientSecret = formDecode(decoded.slice(colon + 1));
  // A NUL (%00) is in no id or secret, and no database compares text holding one (PostgreSQL refuses it outright).
  if (!clientId || clientId.includes('\0') || clientSecret.includes('\0')) throw malformed();
  return { clientId, clientSecret };
}

/** How the client presented itself at the token, revocation or introspection endpoint (RFC 6749 §2.3). */
export function extractClientCredentials(input: { authorization?: string; body: Record<string, unknown> }): PresentedClientCredentials | null {
  const { body } = input;
  for (const k of ['client_id', 'client_secret', 'client_assertion', 'client_assertion_type']) {
    if (body[k] !== undefined && typeof body[k] !== 'string') throw new InvalidRequest(`The ${k} parameter is malformed.`);
  }
  const bodyId = body.client_id as string | undefined;
  const bodySecret = body.client_secret as string | undefined;
  const hasBasic = Boolean(input.authorization && /^basic(?:\s|$)/i.test(input.authorization));
  if (body.client_assertion !== undefined || body.client_assertion_type !== undefined) return presentedAssertion(body, hasBasic);
  // Other schemes (Bearer, OAuth) belong to other layers; a bare `Basic` is still a malformed Basic header.
  if (input.authorization && /^basic(?:\s|$)/i.test(input.authorization)) {
    const basic = parseBasicAuthorization(input.authorization);
    // RFC 6749 §2.3: the client MUST NOT use more than one authentication method in each request.
    if (bodySecret !== undefined) throw new InvalidRequest('Use one client authentication method, not Basic and client_secret together.');
    if (bodyId !== undefined && bodyId !== basic.clientId) throw new InvalidRequest('client_id in the body differs from the Authorization header.');
    return { method: 'client_secret_basic', ...basic };
  }
  if (bodyId === undefined) {
    if (bodySecret !== undefined) throw new InvalidRequest('client_secret was sent without client_id.');
    return null;
  }
  return bodySecret !== undefined ? { method: 'client_secret_post', clientId: bodyId, clientSecret: bodySecret } : { method: 'none', clientId: bodyId };
}

/** The client side of §2.3.1, for tests, the playground and documentation. */
export function encodeBasicAuthorization(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret)}`).toString('base64')}`;
}
