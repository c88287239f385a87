import type Router from '../router.ts';
import { pageRouter } from '../router.ts';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import type { Render } from '../render.ts';

/** Static assets are read once at start and served with a content hash as ETag (no CDN: Gatehouse may be offline). */
const ASSETS = new Map(Object.entries({ 'gatehouse.css': 'text/css', 'playground.js': 'application/javascript', 'playground-jwt.js': 'application/javascript', 'admin.js': 'application/javascript', 'copy.js': 'application/javascript' }).map(([name, type]) => {
  const body = readFileSync(new URL(`../../../templates/static/${name}`, import.meta.url));
  return [name, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"` }];
}));

export function homeRoutes(deps: { render: Render }): Router {
  const router = pageRouter();
  router.get('/', (ctx) => deps.render(ctx, 'home', {}));
  // No icon, but an explicit empty answer: a 404 here shows as an error in every browser console.
  router.get('/favicon.ico', (ctx) => { ctx.set('Cache-Control', 'public, max-age=86400'); ctx.status = 204; });
  router.get('/static/:name', (ctx) => {
    const asset = ASSETS.get(ctx.params.name);
    if (!asset) return;
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.set('ETag', asset.etag);
    if (ctx.get('if-none-match') === asset.etag) { ctx.status = 304; return; }
    ctx.type = asset.type;
    ctx.body = asset.body;
  });
  return router;
}
