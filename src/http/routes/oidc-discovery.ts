import type { JSONWebKeySet } from 'jose';
import type Router from '../router.ts';
import { protocolRouter } from '../router.ts';
import { JWKS_PATH, type openidConfiguration } from '../../oidc/discovery.ts';
import { JWKS_MAX_AGE_SECONDS } from '../../oidc/keys.ts';
import { publicDocumentCors } from '../middleware/public-document-cors.ts';

/** OpenID Connect Discovery 1.0 §4 and the JWK Set (RFC 7517 §5), at the issuer and at django-oauth-toolkit's paths. */
export function oidcDiscoveryRoutes(deps: { configuration: () => ReturnType<typeof openidConfiguration>; jwks: () => Promise<JSONWebKeySet> }): Router {
  // Relying parties in browsers read both, before registering: readable from every origin (publicDocumentCors).
  const router = protocolRouter({ cors: false });
  const configuration = ['/.well-known/openid-configuration', '/o/.well-known/openid-configuration', '/o/.well-known/openid-configuration/'];
  const jwks = [JWKS_PATH, `/o${JWKS_PATH}`];
  router.options([...configuration, ...jwks], publicDocumentCors());
  router.get(configuration, publicDocumentCors(), (ctx) => {
    ctx.state.api = true;
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = deps.configuration();
  });
  // A next key is published at least this long before it signs (KeyRing.rotate), so a cached set is never short of it.
  router.get(jwks, publicDocumentCors(), async (ctx) => {
    ctx.state.api = true;
    ctx.set('Cache-Control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`);
    ctx.body = await deps.jwks();
  });
  return router;
}
