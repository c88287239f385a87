import type Router from '@koa/router';
import compose from 'koa-compose';
import type { Middleware } from 'koa';

interface Layer { path: unknown; methods: string[] }
interface Mounted { exact: Set<string>; prefixes: string[]; all: boolean; inner: Middleware }

function analyse(router: Router): Mounted {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const layer of router.stack as unknown as Layer[]) {
    if (layer.methods.length === 0) continue; // router.use() middleware: runs only when a route matches anyway
    if (typeof layer.path !== 'string') return { exact, prefixes, all: true, inner: both(router) };
    const i = layer.path.search(/[:(*]/);
    if (i < 0) { exact.add(layer.path); exact.add(layer.path.replace(/\/$/, '')); exact.add(`${layer.path.replace(/\/$/, '')}/`); }
    else prefixes.push(layer.path.slice(0, i));
  }
  return { exact, prefixes, all: false, inner: both(router) };
}

const enters = (m: Mounted, path: string) => m.all || m.exact.has(path) || m.prefixes.some((p) => path.startsWith(p));

/**
 * Routers in order, each entered only for paths it can match: an @koa/router dispatch costs a full match and an
 * event per request, and with a dozen routers that was most of a protected request's CPU. The routers every known
 * path enters are chosen once at start (one Map lookup a request); other paths test each router in turn.
 */
export function mountAll(routers: Router[]): Middleware {
  const mounted = routers.map(analyse);
  const byPath = new Map<string, Middleware>();
  for (const path of new Set(mounted.flatMap((m) => [...m.exact]))) {
    const chain = mounted.filter((m) => enters(m, path)).map((m) => m.inner);
    byPath.set(path, chain.length === 1 ? chain[0] : compose(chain));
  }
  const fallback = compose(mounted.map((m): Middleware => (ctx, next) => (enters(m, ctx.path) ? m.inner(ctx, next) : next())));
  return (ctx, next) => (byPath.get(ctx.path) ?? fallback)(ctx, next);
}

function both(router: Router): Middleware {
  const routes = router.routes() as unknown as Middleware;
  const allowed = router.allowedMethods() as unknown as Middleware;
  return (ctx, next) => routes(ctx, () => allowed(ctx, next));
}
