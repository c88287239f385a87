// Redirect URIs: strict rules at registration, exact string match at use (RFC 6749 §3.1.2, RFC 9700 §4.1.3).

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);
/** How long an echoed URI may be in an error message: enough to recognise it, never a wall of text. */
export const ECHOED_URI_MAX = 80;

/**
 * The one way a URI (or a part of one) is echoed in an error message: at most ECHOED_URI_MAX characters, the rest
 * replaced by an ellipsis, so a 2,000-character redirect URI does not swamp the page or the JSON error.
 */
export function echoUri(uri: string, max = ECHOED_URI_MAX): string {
  const chars = [...uri];
  return chars.length <= max ? uri : `${chars.slice(0, max - 1).join('')}…`;
}

const FORBIDDEN_SCHEMES = new Set(['javascript:', 'data:', 'vbscript:', 'file:', 'blob:', 'about:']);

/** A human-readable problem with a URI someone wants to register, or null when it is acceptable. */
export function validateRedirectUriForRegistration(uri: string, opts: { allowInsecureTransport: boolean }): string | null {
  if (uri.length > 2000) return 'is longer than 2000 characters';
  // Browsers read a backslash as a slash in http(s) URLs, so it could hide a different host from a reviewer.
  // eslint-disable-next-line no-control-regex -- matching control characters is the point: such a URI is refused
  if (/[\s\x00-\x1f\x7f\\]/.test(uri)) return 'contains spaces, backslashes or control characters';
  let url: URL;
  // RFC 6749 §3.1.2: the redirection endpoint URI MUST be an absolute URI.
  try { url = new URL(uri); } catch { return 'is not an absolute URI'; }
  // RFC 6749 §3.1.2: it MUST NOT include a fragment component.
  if (uri.includes('#')) return 'must not contain a fragment (#)';
  if (FORBIDDEN_SCHEMES.has(url.protocol)) return `uses the ${echoUri(url.protocol)} scheme, which cannot be a redirect target`;
  if (url.username || url.password) return 'must not contain a user name or password';
  // WHATWG parsing would turn `https:evil.example` into a host; only the plain `scheme://host` form is registered.
  const web = url.protocol === 'https:' || url.protocol === 'http:';
  if (web && !/^https?:\/\/[^/?#]/i.test(uri)) return 'must be written as scheme://host/path';
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:') {
    // RFC 6749 §3.1.2.1 / RFC 8252 §7.3: plain http only for loopback, unless insecure transport is allowed.
    if (LOOPBACK_HOSTS.has(url.hostname) || opts.allowInsecureTransport) return null;
    return 'must use https (http is only allowed for 127.0.0.1, [::1] and localhost)';
  }
  // RFC 8252 §7.1: private-use schemes for native apps are reverse domain names, so they contain a dot.
  if (url.protocol.slice(0, -1).includes('.')) return null;
  return 'uses an unknown scheme (use https, loopback http, or a reverse-domain scheme like com.example.app:)';
}

/**
 * Back-Channel Logout 1.0 §2.2: an absolute http(s) URL without a fragment, https unless insecure transport is
 * allowed (Gatehouse POSTs to it, so no other scheme). Whether its host may be reached is decided at delivery.
 */
export function validateBackchannelLogoutUri(uri: string, opts: { allowInsecureTransport: boolean }): string | null {
  if (uri.length > 2000) return 'is longer than 2000 characters';
  const url = URL.parse(uri);
  if (!url || !/^https?:\/\/[^/?#]/i.test(uri)) return 'must be an absolute http(s) URL';
  if (uri.includes('#')) return 'must not contain a fragment (#)';
  if (url.username || url.password) return 'must not contain a user name or password';
  if (url.protocol !== 'https:' && !opts.allowInsecureTransport) return 'must use https';
  return null;
}

/**
 * Front-Channel Logout 1.0 §2: frontchannel_logout_uri is an absolute URL without a fragment, and its scheme, host
 * and port MUST be those of a registered redirect URI. Our logout page frames it, so the redirect URI rules apply
 * with no exception for insecure transport (https, or http on a loopback host) and the scheme must be http(s).
 */
export function validateFrontchannelLogoutUri(uri: string, redirectUris: readonly string[]): string | null {
  const problem = validateRedirectUriForRegistration(uri, { allowInsecureTransport: false });
  if (problem) return problem;
  const origin = new URL(uri);
  if (origin.protocol !== 'https:' && origin.protocol !== 'http:') return 'must be an https URL (or http on localhost)';
  if (!redirectUris.some((r) => URL.parse(r)?.origin === origin.origin)) return 'must have the scheme, host and port of a redirect URI';
  return null;
}

/** One URI per line or space, empties dropped, duplicates removed. */
export function parseRedirectUriList(text: string): string[] {
  return [...new Set(text.split(/\s+/).filter(Boolean))];
}

/**
 * RFC 9700 §4.1.3: simple string comparison, no normalisation, no prefix or pattern matching — with one exception:
 * RFC 8252 §7.3 says the server MUST allow any port for a loopback IP literal redirect URI (native apps get a port
 * from the OS at run time), so for `http://127.0.0.1` and `http://[::1]` the port alone may differ.
 */
export function matchRedirectUri(requested: string, registered: readonly string[]): boolean {
  if (registered.includes(requested)) return true;
  const loopback = LOOPBACK_IP_PORT.exec(requested);
  // Only a canonical port (decimal 1–65535, no leading zero): `:08080` or `:0` would be normalised by a URL parser
  // into something other than the string the client presented, and the redirect goes to exactly that string.
  if (!loopback || (loopback[2] !== undefined && !CANONICAL_PORT.test(loopback[2]))) return false;
  const bare = withoutLoopbackPort(requested);
  return registered.some((r) => withoutLoopbackPort(r) === bare);
}

/** `http://127.0.0.1:PORT` or `http://[::1]:PORT` at the start of a URI; group 1 is the host part, group 2 the port (may be absent). */
const LOOPBACK_IP_PORT = /^(http:\/\/(?:127\.0\.0\.1|\[::1\]))(?::(\d*))?(?=[/?]|$)/;
/** A TCP port as a canonical decimal string: 1–65535, no leading zero (RFC 8252 §7.3 any-port matching). */
const CANONICAL_PORT = /^(?:[1-9]\d{0,3}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d{2}|655[0-2]\d|6553[0-5])$/;
const withoutLoopbackPort = (uri: string) => uri.replace(LOOPBACK_IP_PORT, '$1');

/**
 * What a consent remembers of where it sent the user (issue 20): an http(s) redirect's origin, a loopback IP
 * literal's without its port (RFC 8252 §7.3: the port changes each run), and a private-use scheme alone (RFC 8252
 * §7.1: the app that claims the scheme, whatever authority it writes).
 */
export function consentOrigin(redirectUri: string): string {
  const loopback = LOOPBACK_IP_PORT.exec(redirectUri);
  if (loopback) return loopback[1];
  const url = URL.parse(redirectUri);
  if (url && (url.protocol === 'https:' || url.protocol === 'http:')) return url.origin;
  return url?.protocol ?? `${redirectUri.split(':')[0].toLowerCase()}:`;
}
