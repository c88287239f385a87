import type Router from '../router.ts';
import { protocolRouter } from '../router.ts';
import type { authorizationServerMetadata } from '../../oauth2/metadata.ts';
import type { ProtectedResourceMetadataInput } from '../../oauth2/resource-metadata.ts';
import { protectedResourceMetadata } from '../resource-metadata.ts';
import { publicDocumentCors } from '../middleware/public-document-cors.ts';

export function metadataRoutes(deps: { metadata: () => ReturnType<typeof authorizationServerMetadata>; ownResource: () => ProtectedResourceMetadataInput }): Router {
  // Public documents, read by browser-based clients before they register: readable from every origin.
  const router = protocolRouter({ cors: false, prefix: '/.well-known' });
  // RFC 9728 §3.1: Gatehouse's own APIs (/api/*, /graphql, /o/userinfo) are the resource named by the issuer; its
  // metadata's URL inserts the well-known segment between the issuer's host and path. That path is never made into a
  // route pattern (an issuer path holding `:`, `(` or `*` would be route syntax: a wildcard, or a failed start): the
  // routes claim the well-known segment and everything under it, and the document middleware compares the request's
  // path with protectedResourceMetadataPath() exactly; any other path passes on (404, or a later app's middleware).
  const own = ['/oauth-protected-resource', '/oauth-protected-resource/*rest'];
  router.options(own, publicDocumentCors());
  router.options('/oauth-authorization-server', publicDocumentCors());
  router.get(own, publicDocumentCors(), protectedResourceMetadata(deps.ownResource));
  router.get('/oauth-authorization-server', publicDocumentCors(), (ctx) => {
    ctx.state.api = true;
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = deps.metadata();
  });
  return router;
}
