import type Router from '@koa/router';
import compose from 'koa-compose';
import type { Context, Middleware } from 'koa';

interface Layer { path: unknown; methods: string[]; paramNames: unknown[]; name?: string | null; stack: Middleware[] }
interface Match { path: Layer[]; pathAndMethod: Layer[]; route: boolean }
interface RouterInternals { stack: Layer[]; exclusive?: boolean; match(path: string, method: string): Match }
interface Mounted { router: Router; exact: Set<string>; prefixes: string[]; all: boolean; inner: Middleware; allowed: Middleware }
type RouterState = Context & { matched?: Layer[]; router?: Router; routeMatched?: boolean; captures?: string[]; routerPath?: string; routerName?: string; _matchedRoute?: string; _matchedRouteName?: string };

const internals = (router: Router) => router as unknown as RouterInternals;

/** The paths a router's routes answer: exact ones (with and without a trailing slash), prefixes of routes with parameters, or every path (a route given as a regular expression). */
export function claims(router: Router): { exact: Set<string>; prefixes: string[]; all: boolean } {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const layer of internals(router).stack) {
    if (layer.methods.length === 0) continue; // router.use() middleware: runs only when a route matches anyway
    if (typeof layer.path !== 'string') return { exact, prefixes, all: true };
    const i = layer.path.search(/[:(*]/);
    if (i < 0) { exact.add(layer.path); exact.add(layer.path.replace(/\/$/, '')); exact.add(`${layer.path.replace(/\/$/, '')}/`); }
    else prefixes.push(layer.path.slice(0, i));
  }
  return { exact, prefixes, all: false };
}

function analyse(router: Router): Mounted {
  const routes = router.routes() as unknown as Middleware;
  const allowed = router.allowedMethods() as unknown as Middleware;
  const inner: Middleware = (ctx, next) => routes(ctx, () => allowed(ctx, next));
  return { router, ...claims(router), inner, allowed };
}

const enters = (m: Mounted, path: string) => m.all || m.exact.has(path) || m.prefixes.some((p) => path.startsWith(p));

/**
 * What `router.routes()` does for one known path and method, worked out once: @koa/router matches every layer's
 * regular expression and composes a new chain on each request, which was a tenth of a protected request's CPU.
 * Only for routes without parameters (nothing to capture) on a non-exclusive router; the context is left as the
 * router leaves it (matched layers, route path, empty params), and allowedMethods still runs if the route passes on.
 */
function direct(m: Mounted, path: string, method: string): Middleware {
  const r = internals(m.router);
  const match = r.match(path, method);
  if (!match.route) return m.inner; // no route for this method here: the router's own 404/405/501 handling
  if (r.exclusive || match.pathAndMethod.some((l) => l.paramNames.length > 0)) return m.inner;
  const route = match.pathAndMethod.findLast((l) => l.methods.length > 0)!;
  const chain = compose(match.pathAndMethod.flatMap((l) => l.stack));
  const { allowed } = m;
  return (c, next) => {
    const ctx = c as RouterState;
    if (ctx.matched) ctx.matched.push(...match.path); else ctx.matched = [...match.path];
    ctx.router = m.router;
    ctx.routeMatched = true;
    ctx.captures = [];
    // As the router's layer does: parameters set by an earlier router are kept (these routes add none).
    ctx.params = (ctx.request as unknown as { params: Record<string, string> }).params = { ...ctx.params };
    ctx.routerPath = ctx._matchedRoute = route.path as string;
    ctx.routerName = route.name || undefined;
    if (route.name) ctx._matchedRouteName = route.name;
    return chain(ctx, () => allowed(ctx, next));
  };
}

/**
 * Routers in order, each entered only for paths it can match. For every known path and method the chain of routers
 * it enters is built once at start (a Map lookup a request), each router's part of it pre-matched (see direct());
 * other paths and methods test each router in turn and dispatch through @koa/router as usual.
 */
export function mountAll(routers: Router[]): Middleware {
  const mounted = routers.map(analyse);
  const byPath = new Map<string, Map<string, Middleware>>();
  for (const path of new Set(mounted.flatMap((m) => [...m.exact]))) {
    const entered = mounted.filter((m) => enters(m, path));
    // The methods of the routes on this path (the router's own match lists every layer the path matches).
    const methods = new Set(entered.flatMap((m) => internals(m.router).match(path, '').path.flatMap((l) => l.methods)));
    const byMethod = new Map<string, Middleware>();
    for (const method of methods) {
      const chain = entered.map((m) => direct(m, path, method));
      byMethod.set(method, chain.length === 1 ? chain[0] : compose(chain));
    }
    const other = entered.map((m) => m.inner);
    byMethod.set('', other.length === 1 ? other[0] : compose(other));
    byPath.set(path, byMethod);
  }
  const fallback = compose(mounted.map((m): Middleware => (ctx, next) => (enters(m, ctx.path) ? m.inner(ctx, next) : next())));
  return (ctx, next) => {
    const byMethod = byPath.get(ctx.path);
    return (byMethod ? byMethod.get(ctx.method) ?? byMethod.get('')! : fallback)(ctx, next);
  };
}
