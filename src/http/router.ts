import { createRequire } from 'node:module';
import type KoaRouter from '@koa/router';

/**
 * @koa/router, loaded from its CommonJS build. Its ES module build imports node:http as an ES module, and Node
 * then reads every export of node:http to build the module namespace, lazy ones included: that loads undici
 * and zlib (~35 ms of a start-up pinned to one core) for nothing. The CommonJS build's require('http') does not.
 */
const Router = createRequire(import.meta.url)('@koa/router') as typeof KoaRouter;
type Router = KoaRouter;
export default Router;
