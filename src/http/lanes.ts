import compose from 'koa-compose';
import type Koa from 'koa';
import type { Middleware } from 'koa';
import type { Services } from '../services.ts';
import { parseBearer, usesBearerScheme, usesDpopScheme } from '../oauth2/bearer.ts';
import type Router from './router.ts';
import { laneOf } from './router.ts';
import { claims, mountAll } from './mount.ts';
import { lazy } from './lazy.ts';
import { ormContext } from './middleware/request-context.ts';
import { rejectNul } from './middleware/reject-nul.ts';
import { byteLimit, formBody } from './middleware/form-body.ts';
import { apiSecurityHeaders, httpsOnly, securityHeaders } from './middleware/security-headers.ts';
import { sessionUser } from './middleware/session-user.ts';
import { cookieName, SESSION_COOKIE, SIGNED_IN_SESSION_MS } from './middleware/csrf.ts';
import { protocolCors } from './middleware/cors.ts';

export interface LaneChains {
  /** Pages: security headers with a CSP nonce, the JSON/form body parser, one EntityManager a request, the session and its user. */
  page: Middleware[];
  /** Protocol endpoints: JSON errors, the lean headers, CORS per client if asked, the protocol body reader. No session, no ORM fork. */
  protocol(opts: { cors: boolean }): Middleware[];
}

/** What runs before the routers of each lane (src/http/router.ts says which lane a router is in). */
export function laneChains(s: Services, koa: Koa): LaneChains {
  const { config, stores, orm } = s;
  const hsts = !config.allowInsecureTransport;
  // The session cookie is Secure unless insecure transport is allowed: there, pages asked over http go to https first.
  const session = compose([...(config.allowInsecureTransport ? [] : [httpsOnly({ origin: () => new URL(config.issuer).origin })]), lazy(async () => (await import('koa-session')).default({
    key: cookieName(SESSION_COOKIE, !config.allowInsecureTransport),
    signed: true,
    httpOnly: true,
    sameSite: 'lax',
    secure: !config.allowInsecureTransport,
    maxAge: SIGNED_IN_SESSION_MS,
    renew: true,
    store: s.sessionStore,
  }, koa))]);
  const parsePages = lazy(async () => (await import('koa-bodyparser')).default({ enableTypes: ['json', 'form'], formLimit: config.bodyLimit, jsonLimit: config.bodyLimit, strict: true }));
  // JSON or form, as koa-bodyparser reads them, without co-body and raw-body.
  const parseProtocol = [formBody({ limit: byteLimit(config.bodyLimit) }), rejectNul()];
  const cors = protocolCors({ allowAll: config.cors.allowAll, origins: config.cors.origins, registeredOrigins: () => stores.clients.registeredOrigins() });
  const headers = apiSecurityHeaders({ hsts });
  // Errors answer JSON from here on, even those raised before an endpoint runs (a body too large, a bad form).
  // One step with the headers: each step of a chain costs the hot endpoints.
  const jsonAndHeaders: Middleware = (ctx, next) => { ctx.state.api = true; return headers(ctx, next); };
  return {
    page: [securityHeaders({ hsts }), parsePages, rejectNul(), ormContext(orm), session, sessionUser(stores.users)],
    protocol: (opts) => [jsonAndHeaders, ...(opts.cors ? [cors] : []), ...parseProtocol],
  };
}

// A DPoP-bound token (RFC 9449 §7.1) takes the token lane as a bearer token does.
const usesBearer: (ctx: Koa.Context) => boolean = (ctx) => usesBearerScheme(parseBearer(ctx.get('authorization'))) || usesDpopScheme(ctx.get('authorization'));
/** A browser opening the URL (GET preferring HTML): GraphiQL, or a page lane's answer. */
export const asksForPage = (ctx: Koa.Context): boolean => ctx.method === 'GET' && ctx.accepts('json', 'html') === 'html';

/**
 * Mounts each router in the chain its lane names, and sends each request down the lane of the router whose routes
 * claim its path (worked out once, at start: a Map lookup a request). Paths no route claims are pages (404 pages).
 * A router without a lane, or a path claimed by two lanes, stops the start.
 */
export function mountByLane(routers: Router[], chains: LaneChains): Middleware {
  const groups = new Map<string, { chain: Middleware[]; routers: Router[] }>();
  const join = (key: string, chain: () => Middleware[], router?: Router) => {
    if (!groups.has(key)) groups.set(key, { chain: chain(), routers: [] });
    if (router) groups.get(key)!.routers.push(router);
  };
  join('page', () => chains.page);
  const keysOf = new Map<Router, string[]>();
  for (const router of routers) {
    const lane = laneOf(router);
    if (!lane) throw new Error(`A router is mounted without a lane (its routes: ${router.stack.map((l) => l.path).join(', ')}): build it with pageRouter() or protocolRouter() of src/http/router.ts.`);
    const protocol = lane.kind === 'protocol' ? `protocol${lane.cors ? '+cors' : ''}` : 'protocol';
    const keys = lane.kind === 'page' ? ['page'] : lane.kind === 'protocol' ? [protocol] : ['page', 'protocol'];
    for (const key of keys) join(key, () => chains.protocol({ cors: key === 'protocol+cors' }), router);
    keysOf.set(router, keys);
  }
  const entries = new Map([...groups].map(([key, g]) => [key, compose([...g.chain, mountAll(g.routers)])]));
  const page = entries.get('page')!;
  const entryOf = (keys: string[]): Middleware => {
    if (keys.length === 1) return entries.get(keys[0])!;
    const protocol = entries.get('protocol')!;
    // bearer-or-session: the admin API answers JSON in both lanes. A page asked for (GraphiQL: GET preferring
    // HTML) takes the page lane whatever it presents, so no HTML leaves without the pages' headers (frame protection).
    return (ctx, next) => { ctx.state.api = true; return (usesBearer(ctx) && !asksForPage(ctx) ? protocol : page)(ctx, next); };
  };
  const exact = new Map<string, { entry: Middleware; lane: string }>();
  const prefixes: { prefix: string; entry: Middleware }[] = [];
  for (const router of routers) {
    const keys = keysOf.get(router)!;
    const lane = keys.join('|');
    const entry = entryOf(keys);
    const claimed = claims(router);
    if (claimed.all) throw new Error('A route given as a regular expression cannot be given a lane: declare its path.');
    for (const path of claimed.exact) {
      const other = exact.get(path);
      if (other && other.lane !== lane) throw new Error(`${path} is declared in two lanes (${other.lane} and ${lane}).`);
      exact.set(path, other ?? { entry, lane });
    }
    const prefix = router.opts.prefix ? [`${router.opts.prefix}/`] : [];
    for (const p of [...prefix, ...claimed.prefixes]) prefixes.push({ prefix: p, entry });
  }
  const byPath = new Map([...exact].map(([path, { entry }]) => [path, entry]));
  const byPrefix = (path: string) => prefixes.find((p) => path.startsWith(p.prefix))?.entry ?? page;
  return (ctx, next) => (byPath.get(ctx.path) ?? byPrefix(ctx.path))(ctx, next);
}
