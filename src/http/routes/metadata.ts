import type Router from '../router.ts';
import { protocolRouter } from '../router.ts';
import type { authorizationServerMetadata } from '../../oauth2/metadata.ts';

export function metadataRoutes(deps: { metadata: () => ReturnType<typeof authorizationServerMetadata> }): Router {
  const router = protocolRouter({ cors: true, prefix: '/.well-known' });
  router.get('/oauth-authorization-server', (ctx) => {
    ctx.state.api = true;
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = deps.metadata();
  });
  return router;
}
