import type { Middleware } from 'koa';

// A list of header names as a preflight asks for them (Fetch §4.8: field names, comma-separated); anything else is
// not echoed back.
const HEADER_LIST = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+(?:\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$/;

/**
 * CORS for the public discovery documents (RFC 8414 metadata, OpenID Connect Discovery, the JWK Set, RFC 9728):
 * browser-based clients read them before they are registered, so before Gatehouse knows their origin, and MCP
 * clients send `MCP-Protocol-Version` with each discovery request (MCP authorization, 2025-06-18 and 2025-11-25),
 * which makes the browser send a preflight. The documents carry no credentials and are the same for everyone, so
 * every origin may read them: `*` (never with credentials, Fetch §3.2.5), and a preflight for GET allows the
 * headers it asks for. The other protocol endpoints keep CORS per registered origin (middleware/cors.ts).
 */
export function publicDocumentCors(): Middleware {
  return async function publicDocumentCors(ctx, next) {
    if (ctx.req.headers.origin === undefined) return next();
    ctx.set('Access-Control-Allow-Origin', '*');
    if (ctx.method !== 'OPTIONS') return next();
    ctx.set('Access-Control-Allow-Methods', 'GET, HEAD, OPTIONS');
    const asked = ctx.get('access-control-request-headers');
    if (asked.length <= 1000 && HEADER_LIST.test(asked)) ctx.set('Access-Control-Allow-Headers', asked);
    ctx.set('Access-Control-Max-Age', '600');
    ctx.status = 204;
  };
}
