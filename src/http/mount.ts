import type Router from '@koa/router';
import type { Middleware } from 'koa';

interface Layer { path: unknown; methods: string[] }

/**
 * A router's middleware, entered only for paths it can match. Each @koa/router dispatch costs a full match
 * and an event per request; with a dozen routers that was most of a protected request's CPU.
 */
export function mount(router: Router): Middleware {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const layer of router.stack as unknown as Layer[]) {
    if (layer.methods.length === 0) continue; // router.use() middleware: runs only when a route matches anyway
    if (typeof layer.path !== 'string') return both(router);
    const i = layer.path.search(/[:(*]/);
    if (i < 0) { exact.add(layer.path); exact.add(layer.path.replace(/\/$/, '')); exact.add(`${layer.path.replace(/\/$/, '')}/`); }
    else prefixes.push(layer.path.slice(0, i));
  }
  const inner = both(router);
  return (ctx, next) => (exact.has(ctx.path) || prefixes.some((p) => ctx.path.startsWith(p)) ? inner(ctx, next) : next());
}

function both(router: Router): Middleware {
  const routes = router.routes() as unknown as Middleware;
  const allowed = router.allowedMethods() as unknown as Middleware;
  return (ctx, next) => routes(ctx, () => allowed(ctx, next));
}
