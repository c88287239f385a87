import type { Middleware } from 'koa';
import { bearerOrSessionRouter } from '../router.ts';
import type Router from '../router.ts';

/** The GraphQL admin API (src/graphql): a bearer token calls it as a program, a signed-in browser as a page. */
export function graphqlRoutes(deps: { serve: Middleware }): Router {
  const router = bearerOrSessionRouter();
  router.all('/graphql', deps.serve);
  return router;
}
