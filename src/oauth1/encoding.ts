import { badRequest } from './errors.ts';

// RFC 5849 §3.6: UTF-8, then every octet outside ALPHA / DIGIT / "-" / "." / "_" / "~" as %XX (uppercase).
export function percentEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function percentDecode(s: string): string {
  try { return decodeURIComponent(s); } catch { throw badRequest('parameter_rejected', 'A parameter is not valid percent-encoding.'); }
}

/** Form-urlencoded decoding (query and body, RFC 5849 §3.4.1.3.1): '+' is a space. */
export const formDecode = (s: string) => percentDecode(s.replace(/\+/g, ' '));

/** The pairs of a query string or form body, order and repeats kept. */
export function parseForm(text: string): Array<[string, string]> {
  if (!text) return [];
  return text.split('&').filter(Boolean).map((part) => {
    const i = part.indexOf('=');
    return i < 0 ? [formDecode(part), ''] : [formDecode(part.slice(0, i)), formDecode(part.slice(i + 1))];
  });
}

/** RFC 5849 §3.5.1: `OAuth name="value", ...`; values percent-decoded; realm is not a request parameter. */
export function parseAuthorizationHeader(header: string): Array<[string, string]> {
  const m = /^oauth\s+(.*)$/is.exec(header.trim());
  if (!m) throw badRequest('parameter_rejected', 'The Authorization header is not an OAuth header.');
  const out: Array<[string, string]> = [];
  const rest = m[1].trim();
  if (!rest) return out;
  const re = /\s*([A-Za-z0-9_\-.~%]+)\s*=\s*"([^"]*)"\s*(,|$)/gy;
  let pos = 0;
  for (let match = re.exec(rest); match; match = re.exec(rest)) {
    pos = re.lastIndex;
    const name = percentDecode(match[1]);
    if (name !== 'realm') out.push([name, percentDecode(match[2])]);
    if (match[3] === '') break;
  }
  if (pos !== rest.length) throw badRequest('parameter_rejected', 'The Authorization header is malformed.');
  return out;
}

/** The client side of §3.5.1, for tests, documentation and the playground. */
export function formatAuthorizationHeader(params: Array<[string, string]>, realm?: string): string {
  const parts = params.map(([k, v]) => `${percentEncode(k)}="${percentEncode(v)}"`);
  if (realm !== undefined) parts.unshift(`realm="${realm.replace(/"/g, '')}"`);
  return `OAuth ${parts.join(', ')}`;
}
