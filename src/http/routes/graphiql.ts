import { readFileSync } from 'node:fs';
import type { Middleware } from 'koa';
import type Router from '../router.ts';
import { pageRouter } from '../router.ts';
import type { Render } from '../render.ts';
import { asksForPage } from '../lanes.ts';
import { csrfToken } from '../middleware/csrf.ts';
import { requireLogin } from '../middleware/session-user.ts';
import { withGraphiQLSources } from '../middleware/security-headers.ts';
import { sendAsset, staticAsset, type StaticAsset } from '../static-asset.ts';

/**
 * GraphiQL for the admin API, outside production, served whole from our origin: graphql-yoga's own page loads
 * GraphiQL from a CDN with inline scripts, which the pages' CSP refuses (and an offline machine cannot fetch).
 * @graphql-yoga/render-graphiql bundles the same GraphiQL (scripts, styles, editor workers) as strings; they are
 * loaded on the first asset asked for, so a server that never shows GraphiQL never holds their megabytes.
 */
const JS = 'application/javascript; charset=utf-8';
let assets: Promise<Map<string, StaticAsset>> | undefined;
const loadAssets = () => (assets ??= import('@graphql-yoga/render-graphiql/graphiql').then((g) => new Map([
  ['graphiql.js', staticAsset(g.js, JS)],
  ['graphiql.css', staticAsset(g.css, 'text/css; charset=utf-8')],
  ['editor.worker.js', staticAsset(g.editorWorkerService, JS)],
  ['json.worker.js', staticAsset(g.jsonWorker, JS)],
  ['graphql.worker.js', staticAsset(g.graphqlWorker, JS)],
  ['start.js', staticAsset(readFileSync(new URL('../../../templates/static/graphiql-start.js', import.meta.url)), JS)],
])));

/** GraphiQL's scripts, styles and workers, at /static/graphiql/<name>: for signed-in users, as the page is. */
export function graphiqlAssetRoutes(): Router {
  const router = pageRouter();
  router.get('/static/graphiql/:name', requireLogin(), async (ctx) => {
    const asset = (await loadAssets()).get(ctx.params.name);
    if (asset) sendAsset(ctx, asset);
  });
  return router;
}

/**
 * GET /graphql from a browser: the GraphiQL page, for signed-in users (anonymous callers may not introspect the
 * schema GraphiQL is built on: they go to the login page and come back). The page carries the session's CSRF token,
 * which GraphiQL sends as X-CSRF-Token (the API refuses a session's mutation without it).
 */
export function graphiqlPage(deps: { render: Render }): Middleware {
  const login = requireLogin();
  return async (ctx, next) => {
    if (!asksForPage(ctx)) return next();
    await login(ctx, async () => {
      ctx.set('Cache-Control', 'no-store');
      ctx.set('Content-Security-Policy', withGraphiQLSources(ctx.response.get('Content-Security-Policy')));
      deps.render(ctx, 'graphiql', { csrf: csrfToken(ctx) });
    });
  };
}
