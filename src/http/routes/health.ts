import Router from '../router.ts';

/** Liveness (the process answers) and readiness (the database answers) for load balancers and orchestrators. */
export function healthRoutes(deps: { ping: () => Promise<void> }): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    try {
      await deps.ping();
      ctx.body = { status: 'ready' };
    } catch {
      ctx.status = 503;
      ctx.body = { status: 'unavailable', error: 'temporarily_unavailable', error_description: 'The database is not reachable.' };
    }
  });
  return router;
}
