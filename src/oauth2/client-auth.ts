import { InvalidClient, InvalidRequest } from './errors.ts';

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

export interface PresentedClientCredentials { method: ClientAuthMethod; clientId: string; clientSecret?: string }

/** RFC 6749 §2.3.1 / Appendix B: the id and secret inside Basic are application/x-www-form-urlencoded. */
function formDecode(s: string): string {
  try { return decodeURIComponent(s.replace(/\+/g, ' ')); } catch { throw new InvalidClient('The Authorization header is malformed.'); }
}

const formEncode = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');

export function parseBasicAuthorization(header: string): { clientId: string; clientSecret: string } {
  const m = /^basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header);
  if (!m) throw new InvalidClient('The Authorization header is malformed.');
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new InvalidClient('The Authorization header is malformed.');
  const clientId = formDecode(decoded.slice(0, colon));
  if (!clientId) throw new InvalidClient('The Authorization header is malformed.');
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
  if (input.authorization && /^basic\s/i.test(input.authorization)) {
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
