import type { Middleware } from 'koa';
import { bearerOrSessionRouter } from '../router.ts';
import type Router from '../router.ts';

/**
 * The GraphQL admin API (src/graphql): a bearer token calls it as a program, a signed-in browser as a page.
 * `graphiql` (outside production) answers a browser's GET with the GraphiQL page (routes/graphiql.ts).
 */
export function graphqlRoutes(deps: { serve: Middleware; graphiql?: Middleware }): Router {
  const router = bearerOrSessionRouter();
  if (deps.graphiql) router.get('/graphql', deps.graphiql);
  router.all('/graphql', deps.serve);
  return router;
}
