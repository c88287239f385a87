/**
 * RFC 9449 §4.3 check 9: the htu claim matches the request's URI "without query and fragment parts", after the
 * normalisation of RFC 3986 §6.2.2 and §6.2.3 (case of scheme and host, default port, percent-encoding case, dot
 * segments), which WHATWG URL parsing performs. Null when the value is not an absolute http(s) URI.
 */
export function normaliseHtu(value: string): string | null {
  const u = URL.parse(value);
  if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:')) return null;
  u.search = '';
  u.hash = '';
  return u.href.replace(/%[0-9a-f]{2}/gi, (m) => m.toUpperCase());
}
