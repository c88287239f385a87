import { randomBytes } from 'node:crypto';
import type { Middleware } from 'koa';
import { HttpError } from './errors.ts';

/**
 * Machine-facing answers (JSON) need no nonce: one fixed, deny-everything policy. `frame-ancestors 'none'` already
 * forbids framing (X-Frame-Options is its legacy twin, kept on pages), and a JSON answer starts no navigation that
 * a Referrer-Policy could govern: each header costs every API response (measured on bare Koa: six headers took
 * 21% of /api/hello's throughput), so only the ones that protect something are sent.
 */
export function apiSecurityHeaders(opts: { hsts: boolean }): Middleware {
  // Set before the endpoint runs, so error answers carry them too, and with no async frame of its own.
  return (ctx, next) => {
    const res = ctx.res;
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
    if (opts.hsts) res.setHeader('Strict-Transport-Security', 'max-age=31536000');
    return next();
  };
}

/**
 * Headers every page carries. HTML pages get a strict CSP with a per-response nonce for anything
 * inline; no Gatehouse page may be framed (clickjacking on consent pages would grant access).
 * Set BEFORE the page runs: an error page (rendered by errors.ts after this frame has unwound) keeps them, and a
 * route that needs another CSP replaces it with ctx.set.
 */
export function securityHeaders(opts: { hsts: boolean }): Middleware {
  return (ctx, next) => {
    const nonce = randomBytes(16).toString('base64');
    ctx.state.cspNonce = nonce;
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
    // A page carries this nonce, a CSRF token or someone's data: no cache keeps it, shared or not, for anyone else or
    // for later (attacker read 13B, F6; second read 13: the login form too). Static assets set their own caching.
    ctx.set('Cache-Control', 'no-store');
    ctx.vary('Cookie');
    if (opts.hsts) ctx.set('Strict-Transport-Security', 'max-age=31536000');
    // form-action is left out: Chrome applies it to the redirect after the consent POST, which goes to the client.
    ctx.set('Content-Security-Policy', [
      "default-src 'self'",
      `script-src 'self' 'nonce-${nonce}'`,
      `style-src 'self' 'nonce-${nonce}'`,
      "img-src 'self' data:",
      "object-src 'none'",
      "base-uri 'none'",
      // Our pages frame nothing; the signed-out page alone allows its relying parties' origins (withFrameSources).
      "frame-src 'none'",
      "frame-ancestors 'none'",
    ].join('; '));
    return next();
  };
}

/** A page's CSP with frame-src opened to exactly these origins (Front-Channel Logout's signed-out page). */
export function withFrameSources(csp: string, origins: readonly string[]): string {
  return csp.replace("frame-src 'none'", `frame-src ${[...new Set(origins)].join(' ')}`);
}

/**
 * Where secure transport is required, a page asked over plain http goes to https before it runs: the session
 * cookie is Secure (koa-session cannot set it over http: that was a 500), and a form posted over http has already
 * sent what it carried in the clear, so it is refused rather than acted on. Behind a TLS proxy, trustProxy and
 * X-Forwarded-Proto make ctx.secure true. `origin` is the issuer's (https), never the request's Host.
 */
export function httpsOnly(opts: { origin: () => string }): Middleware {
  return (ctx, next) => {
    if (ctx.secure) return next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') throw new HttpError(403, 'https_required', 'This page is served over HTTPS only.');
    ctx.status = 301;
    // Concatenated, not resolved: a path like '//evil.example/x' stays a path on the issuer's host.
    ctx.redirect(opts.origin() + ctx.originalUrl);
  };
}

/**
 * GraphiQL's page (outside production): the bundle's fonts are data: URLs, its editor runs workers, which it loads
 * from our origin, and its editor and React components write style="" attributes (positions, sizes). Scripts and
 * <style>/<link> stay 'self' plus the page's nonce; only style attributes are let through (style-src-attr), which
 * can move a box on this one page but neither run code nor read the page.
 */
export function withGraphiQLSources(csp: string): string {
  return `${csp}; style-src-attr 'unsafe-inline'; font-src 'self' data:; worker-src 'self'`;
}
