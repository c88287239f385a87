import cors from '@koa/cors';
import type { Context, Middleware } from 'koa';

/**
 * CORS for the protocol routers declared with `cors: true` (src/http/router.ts): an origin is allowed when the configuration lists it, when
 * CORS_ALLOW_ALL is on (development, like DOT's CORS_ORIGIN_ALLOW_ALL), or when an application registered it.
 */
export function protocolCors(opts: { allowAll: boolean; origins: readonly string[]; registeredOrigins: () => Promise<ReadonlySet<string>> }): Middleware {
  const handler = cors({
    origin: async (ctx: Context) => {
      const origin = ctx.get('origin');
      if (opts.allowAll) return origin || '*';
      if (opts.origins.includes(origin) || (await opts.registeredOrigins()).has(origin)) return origin;
      return '';
    },
    allowMethods: ['GET', 'POST', 'OPTIONS'],
    allowHeaders: ['Authorization', 'Content-Type', 'DPoP'],
    // RFC 9449 §8: a browser-based client reads the server's nonce.
    exposeHeaders: ['WWW-Authenticate', 'DPoP-Nonce'],
    maxAge: 600,
  });
  // No Origin header, no CORS (Fetch §3.2): most protocol calls come from servers. @koa/cors would still add
  // `Vary: Origin`, which no cache needs here: token and introspection answers are no-store, and shared caches
  // do not store answers to requests carrying Authorization (RFC 9111 §3.5), which every API call does.
  return (ctx, next) => (ctx.req.headers.origin !== undefined ? handler(ctx, next) : next());
}
