import Router from '@koa/router';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import type { Render } from '../render.ts';

const CSS = readFileSync(new URL('../../../templates/static/gatehouse.css', import.meta.url));
const CSS_ETAG = `"${createHash('sha256').update(CSS).digest('base64url').slice(0, 16)}"`;

export function homeRoutes(deps: { render: Render }): Router {
  const router = new Router();
  router.get('/', (ctx) => deps.render(ctx, 'home', {}));
  // No icon, but an explicit empty answer: a 404 here shows as an error in every browser console.
  router.get('/favicon.ico', (ctx) => { ctx.set('Cache-Control', 'public, max-age=86400'); ctx.status = 204; });
  router.get('/static/gatehouse.css', (ctx) => {
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.set('ETag', CSS_ETAG);
    if (ctx.get('if-none-match') === CSS_ETAG) { ctx.status = 304; return; }
    ctx.type = 'text/css';
    ctx.body = CSS;
  });
  return router;
}
