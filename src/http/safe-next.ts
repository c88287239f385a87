import type { Context } from 'koa';

/**
 * The longest target this server carries in a URL it redirects to — login's `next`, measured percent-encoded as it
 * travels in `/accounts/login/?next=…` (`+` and `%XX` grow threefold and more), and a POSTed authorization request
 * re-sent as a GET. A longer Location breaks clients (undici reads 16 KB of response headers in all:
 * UND_ERR_HEADERS_OVERFLOW) and many servers refuse such URLs. One limit for both ends of the login: what the
 * authorization endpoint sends there (routes/authorize.ts) is what the login page keeps, never dropped in between.
 */
export const MAX_CARRIED_TARGET = 8_000;

/** Whether `target` fits in a `?next=` value: its encodeURIComponent length, what the Location carries. */
export function targetFits(target: string): boolean {
  // Encoding only lengthens: a longer string is refused unencoded. A lone surrogate cannot be encoded at all.
  if (target.length > MAX_CARRIED_TARGET) return false;
  try { return encodeURIComponent(target).length <= MAX_CARRIED_TARGET; } catch { return false; }
}
// Read as "another host" by some browser or proxy: '//host', '/\host', '\/host', also once percent-decoded.
const NETWORK_PATH = /^[/\\]{2}/;
// eslint-disable-next-line no-control-regex -- matching control characters is the point: a target holding one is refused
const CONTROL = /[\x00-\x1f\x7f]/;
const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/**
 * The one rule for a redirect target taken from user input (login's `next`): resolve it as a browser would
 * (WHATWG URL against this origin), accept only a same-origin RESULT, and answer its normalised path and query.
 * Checking the input alone is not enough: `/..//evil.com` and `/%2e%2e//evil.com` normalise to `//evil.com`.
 * Anything else, and anything ambiguous, becomes `fallback`.
 */
export function safeNext(candidate: unknown, origin: string, fallback = '/'): string {
  // Browsers drop tabs and newlines inside URLs; a target that needs them is not one we built.
  if (typeof candidate !== 'string' || candidate.length === 0 || !targetFits(candidate) || CONTROL.test(candidate)) return fallback;
  let url: URL;
  let base: string;
  // Both parsed: a Host of 'Example.com:80' and the URL's 'http://example.com' are one origin.
  // A candidate with a scheme is read on its own: `http:evil.com` names evil.com, even where a base would make it relative.
  try { base = new URL(origin).origin; url = SCHEME.test(candidate) ? new URL(candidate) : new URL(candidate, base); } catch { return fallback; }
  if (url.origin !== base) return fallback;
  const target = url.pathname + url.search + url.hash;
  // The normalised target is what the login form posts back: it must fit too (normalising may percent-encode).
  return isLocalPath(target) && targetFits(target) ? target : fallback;
}

/**
 * A path a browser resolves on this origin whatever decoding a hop applies: starts with one '/', no control characters
 * in its path once decoded. The query and fragment are not decoded: they cannot name another host, and a request's own
 * values may encode a newline or a tab (a pretty-printed `claims`), which the login would otherwise drop.
 */
function isLocalPath(path: string): boolean {
  if (!path.startsWith('/') || NETWORK_PATH.test(path)) return false;
  let decoded: string;
  try { decoded = decodeURIComponent(path.split(/[?#]/, 1)[0]); } catch { return false; }
  return !NETWORK_PATH.test(decoded) && !CONTROL.test(decoded) && !/^\/\s/.test(decoded);
}

/** This server's origin as the browser addressed it (Koa 3's `ctx.origin` is the Origin request header). */
const selfOrigin = (ctx: Context) => `${ctx.protocol}://${ctx.host}`;

/** `safeNext` against the origin this request came to. */
export const localNext = (ctx: Context, candidate: unknown, fallback = '/'): string => safeNext(candidate, selfOrigin(ctx), fallback);

/**
 * Redirects to a user-supplied target on this origin, then checks the Location actually sent (after Koa's own
 * encoding) is still same-origin: the rule holds for the final header, not only for what went in.
 */
export function redirectLocal(ctx: Context, candidate: unknown, fallback = '/'): void {
  ctx.redirect(localNext(ctx, candidate, fallback));
  const sent = String(ctx.response.get('Location'));
  let same = false;
  try { const base = new URL(selfOrigin(ctx)).origin; same = new URL(sent, base).origin === base; } catch { /* not same-origin */ }
  if (!same || !isLocalPath(sent)) ctx.redirect(fallback);
}
