import type Router from '../router.ts';
import { protocolRouter } from '../router.ts';
import type { authorizationServerMetadata } from '../../oauth2/metadata.ts';
import { protectedResourceMetadataPath, type ProtectedResourceMetadataInput } from '../../oauth2/resource-metadata.ts';
import { protectedResourceMetadata } from '../resource-metadata.ts';

export function metadataRoutes(deps: { metadata: () => ReturnType<typeof authorizationServerMetadata>; ownResource: () => ProtectedResourceMetadataInput }): Router {
  const router = protocolRouter({ cors: true, prefix: '/.well-known' });
  // RFC 9728 §3.1: Gatehouse's own APIs (/api/*, /graphql, /o/userinfo) are the resource named by the issuer; its
  // metadata's path is the issuer's path inserted after the well-known segment (the issuer's port may change at
  // listen, never its path).
  router.get(protectedResourceMetadataPath(deps.ownResource().resource).slice('/.well-known'.length), protectedResourceMetadata(deps.ownResource), (ctx) => { ctx.status = 404; });
  router.get('/oauth-authorization-server', (ctx) => {
    ctx.state.api = true;
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = deps.metadata();
  });
  return router;
}
