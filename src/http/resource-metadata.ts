import type { Middleware } from 'koa';
import { protectedResourceMetadata as document, protectedResourceMetadataPath, type ProtectedResourceMetadataInput } from '../oauth2/resource-metadata.ts';

/**
 * RFC 9728 §3: serves a protected resource's metadata at its path-inserted well-known URL (§3.1), for any Koa app
 * (Gatehouse's own, or a resource server protected with requireToken({ resource })): mount it with app.use(); every
 * other request passes on. Public and cacheable; CORS open, as browser-based clients (MCP) fetch it before any login.
 */
export function protectedResourceMetadata(input: ProtectedResourceMetadataInput | (() => ProtectedResourceMetadataInput)): Middleware {
  const read = typeof input === 'function' ? input : () => input;
  return async function protectedResourceMetadataDocument(ctx, next) {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    const i = read();
    if (ctx.path !== protectedResourceMetadataPath(i.resource)) return next();
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.body = document(i);
  };
}
