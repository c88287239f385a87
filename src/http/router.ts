import { createRequire } from 'node:module';
import type KoaRouter from '@koa/router';
import type { RouterOptions } from '@koa/router';

/**
 * @koa/router, loaded from its CommonJS build. Its ES module build imports node:http as an ES module, and Node
 * then reads every export of node:http to build the module namespace, lazy ones included: that loads undici
 * and zlib (~35 ms of a start-up pinned to one core) for nothing. The CommonJS build's require('http') does not.
 */
const Router = createRequire(import.meta.url)('@koa/router') as typeof KoaRouter;
type Router = KoaRouter;
export default Router;

/**
 * Which middleware chain a router's routes run in (src/http/lanes.ts builds the chains, the app mounts each router
 * in the one its lane names):
 * - `page`: for people. Session, CSP nonce, HTML error pages, one EntityManager a request; forms add csrfProtection().
 * - `protocol`: for programs. JSON errors, no session, the lean security headers; `cors` turns on CORS per
 *   registered client. Endpoints answering tokens or credentials add oauthEndpoint() (`Cache-Control: no-store`).
 * - `bearer-or-session`: the admin API, which both serve: a request presenting a bearer token runs in the protocol
 *   lane (without CORS: it answers its own), any other in the page lane (its session).
 */
export type Lane = { kind: 'page' } | { kind: 'protocol'; cors: boolean } | { kind: 'bearer-or-session' };

const declared = new WeakMap<Router, Lane>();

function laneRouter(lane: Lane, opts: RouterOptions = {}): Router {
  const router = new Router(opts);
  declared.set(router, lane);
  return router;
}

/** A router of pages. `prefix` claims the whole namespace for the page lane (its unknown paths answer as pages). */
export const pageRouter = (opts: { prefix?: string } = {}): Router => laneRouter({ kind: 'page' }, opts);

/** A router of protocol endpoints. `prefix` claims the whole namespace for this lane (its unknown paths answer JSON). */
export const protocolRouter = (opts: { cors: boolean; prefix?: string }): Router => laneRouter({ kind: 'protocol', cors: opts.cors }, { prefix: opts.prefix });

/** The admin API's router: its lane follows the credentials each request presents (see Lane). */
export const bearerOrSessionRouter = (): Router => laneRouter({ kind: 'bearer-or-session' }, { strict: true });

/** The lane a router was declared in, if it was. */
export const laneOf = (router: Router): Lane | undefined => declared.get(router);
