import type Router from '../router.ts';
import { pageRouter } from '../router.ts';
import { readFileSync } from 'node:fs';
import type { Render } from '../render.ts';
import { sendAsset, staticAsset } from '../static-asset.ts';

/** Static assets are read once at start and served with a content hash as ETag (no CDN: Gatehouse may be offline). */
const ASSETS = new Map(Object.entries({ 'gatehouse.css': 'text/css', 'playground.js': 'application/javascript', 'playground-jwt.js': 'application/javascript', 'admin.js': 'application/javascript', 'copy.js': 'application/javascript' })
  .map(([name, type]) => [name, staticAsset(readFileSync(new URL(`../../../templates/static/${name}`, import.meta.url)), type)]));

export function homeRoutes(deps: { render: Render }): Router {
  const router = pageRouter();
  router.get('/', (ctx) => deps.render(ctx, 'home', {}));
  // No icon, but an explicit empty answer: a 404 here shows as an error in every browser console.
  router.get('/favicon.ico', (ctx) => { ctx.set('Cache-Control', 'public, max-age=86400'); ctx.status = 204; });
  router.get('/static/:name', (ctx) => {
    const asset = ASSETS.get(ctx.params.name);
    if (asset) sendAsset(ctx, asset);
  });
  return router;
}
