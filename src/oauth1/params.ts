import { parseAuthorizationHeader, parseForm } from './encoding.ts';
import { badRequest } from './errors.ts';

export interface OAuth1Request {
  method: string;
  /** Absolute URL as received: scheme, host[:port], path and raw query. */
  url: string;
  authorization?: string;
  /** Only for application/x-www-form-urlencoded bodies (RFC 5849 §3.4.1.3.1). */
  formBody?: Array<[string, string]>;
}

/** RFC 5849 §3.4.1.2: lowercase scheme and host, default ports dropped, no query or fragment. */
export function baseStringUri(url: string): string {
  const u = new URL(url);
  const port = u.port && !((u.protocol === 'http:' && u.port === '80') || (u.protocol === 'https:' && u.port === '443')) ? `:${u.port}` : '';
  return `${u.protocol.toLowerCase()}//${u.hostname.toLowerCase()}${port}${u.pathname || '/'}`;
}

/**
 * RFC 5849 §3.4.1.3.1: the parameters of a request, from the query, the Authorization header and the form body.
 * Protocol parameters must come from one place only (§3.5) and never repeat.
 */
export function collectParameters(req: OAuth1Request): { all: Array<[string, string]>; protocol: Record<string, string> } {
  const rawQuery = new URL(req.url).search.slice(1);
  const sources: Array<Array<[string, string]>> = [parseForm(rawQuery), req.authorization && /^oauth\s/i.test(req.authorization) ? parseAuthorizationHeader(req.authorization) : [], req.formBody ?? []];
  const withOAuth = sources.filter((s) => s.some(([k]) => k.startsWith('oauth_')));
  if (withOAuth.length > 1) throw badRequest('parameter_rejected', 'Send the oauth_ parameters in one place only (header, body or query).');
  const protocol: Record<string, string> = {};
  for (const [k, v] of withOAuth[0] ?? []) {
    if (!k.startsWith('oauth_')) continue;
    if (k in protocol) throw badRequest('parameter_rejected', `The ${k} parameter was sent more than once.`);
    protocol[k] = v;
  }
  // RFC 5849 §3.1: oauth_version, if present, MUST be "1.0".
  if (protocol.oauth_version !== undefined && protocol.oauth_version !== '1.0') throw badRequest('version_rejected', 'oauth_version must be 1.0.');
  return { all: sources.flat(), protocol };
}
