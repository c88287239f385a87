import type Router from '../router.ts';
import { protocolRouter } from '../router.ts';
import type { authorizationServerMetadata } from '../../oauth2/metadata.ts';
import { protectedResourceMetadataPath, type ProtectedResourceMetadataInput } from '../../oauth2/resource-metadata.ts';
import { protectedResourceMetadata } from '../resource-metadata.ts';
import { publicDocumentCors } from '../middleware/public-document-cors.ts';

export function metadataRoutes(deps: { metadata: () => ReturnType<typeof authorizationServerMetadata>; ownResource: () => ProtectedResourceMetadataInput }): Router {
  // Public documents, read by browser-based clients before they register: readable from every origin.
  const router = protocolRouter({ cors: false, prefix: '/.well-known' });
  const ownPath = () => protectedResourceMetadataPath(deps.ownResource().resource).slice('/.well-known'.length);
  router.options([ownPath(), '/oauth-authorization-server'], publicDocumentCors());
  // RFC 9728 §3.1: Gatehouse's own APIs (/api/*, /graphql, /o/userinfo) are the resource named by the issuer; its
  // metadata's path is the issuer's path inserted after the well-known segment (the issuer's port may change at
  // listen, never its path).
  router.get(ownPath(), publicDocumentCors(), protectedResourceMetadata(deps.ownResource), (ctx) => { ctx.status = 404; });
  router.get('/oauth-authorization-server', publicDocumentCors(), (ctx) => {
    ctx.state.api = true;
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = deps.metadata();
  });
  return router;
}
