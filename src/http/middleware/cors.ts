import cors from '@koa/cors';
import type { Context, Middleware } from 'koa';

/**
 * CORS for the protocol and API routes: an origin is allowed when the configuration lists it, when
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
    exposeHeaders: ['WWW-Authenticate'],
    maxAge: 600,
  });
  const paths = /^\/(o\/(token|revoke_token|introspect)\/?$|\.well-known\/|api\/)/;
  return (ctx, next) => (paths.test(ctx.path) ? handler(ctx, next) : next());
}
