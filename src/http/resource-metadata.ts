import type { Middleware } from 'koa';
import { protectedResourceMetadata as document, protectedResourceMetadataPath, type ProtectedResourceMetadataInput } from '../oauth2/resource-metadata.ts';
import { resourceServerIdentifier } from '../oauth2/resources.ts';

/** RFC 9728 §2: the resource is an http(s) URL without query or fragment (its metadata URL is built from it, §3.1). */
export function requireResourceIdentifier(resource: string): void {
  if (resourceServerIdentifier(resource) === null) throw new Error('protectedResourceMetadata: resource must be an absolute http(s) URI without query or fragment (RFC 9728 §2)');
}

/**
 * RFC 9728 §3: serves a protected resource's metadata at its path-inserted well-known URL (§3.1), for any Koa app
 * (Gatehouse's own, or a resource server protected with requireToken({ resource })): mount it with app.use(); every
 * other request passes on. Public and cacheable; CORS open, as browser-based clients (MCP) fetch it before any login.
 */
export function protectedResourceMetadata(input: ProtectedResourceMetadataInput | (() => ProtectedResourceMetadataInput)): Middleware {
  if (typeof input !== 'function') requireResourceIdentifier(input.resource);
  const read = typeof input === 'function' ? input : () => input;
  return async function protectedResourceMetadataDocument(ctx, next) {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    const i = read();
    // A resource read at each request (the issuer) is checked too: a bad one serves nothing rather than a wrong document.
    if (resourceServerIdentifier(i.resource) === null || ctx.path !== protectedResourceMetadataPath(i.resource)) return next();
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.body = document(i);
  };
}
