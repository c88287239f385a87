import { InvalidClient, InvalidRequest } from './errors.ts';

/**
 * The registry of client authentication methods (RFC 6749 §2.3; names from RFC 7591 §2): discovery, registration
 * validation, the form, the GraphQL enum (checked by a test) and the unions derive from it. `secret`: the client
 * proves itself with its secret; endpoints only for confidential clients (introspection) accept only those.
 */
export const CLIENT_AUTH_METHODS = [
  { name: 'client_secret_basic', secret: true },
  { name: 'client_secret_post', secret: true },
  { name: 'none', secret: false },
] as const;

export type ClientAuthMethod = (typeof CLIENT_AUTH_METHODS)[number]['name'];
export const CLIENT_AUTH_METHOD_NAMES: readonly ClientAuthMethod[] = CLIENT_AUTH_METHODS.map((m) => m.name);
export const SECRET_AUTH_METHOD_NAMES: readonly ClientAuthMethod[] = CLIENT_AUTH_METHODS.filter((m) => m.secret).map((m) => m.name);

export interface PresentedClientCredentials { method: ClientAuthMethod; clientId: string; clientSecret?: string }

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
  if (!clientId) throw malformed();
  return { clientId, clientSecret: formDecode(decoded.slice(colon + 1)) };
}

/** How the client presented itself at the token, revocation or introspection endpoint (RFC 6749 §2.3). */
export function extractClientCredentials(input: { authorization?: string; body: Record<string, unknown> }): PresentedClientCredentials | null {
  const { body } = input;
  for (const k of ['client_id', 'client_secret']) {
    if (body[k] !== undefined && typeof body[k] !== 'string') throw new InvalidRequest(`The ${k} parameter is malformed.`);
  }
  const bodyId = body.client_id as string | undefined;
  const bodySecret = body.client_secret as string | undefined;
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
