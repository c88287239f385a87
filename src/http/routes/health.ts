import type Router from '../router.ts';
import { protocolRouter } from '../router.ts';
import { RETRY_AFTER_SECONDS } from '../middleware/errors.ts';

/** A probe's answer must come before the prober gives up (Kubernetes waits 1 s by default, load balancers a few). */
export const READY_TIMEOUT_MS = 2000;

/** Liveness (the process answers) and readiness (the database and Redis answer) for load balancers and orchestrators. */
export function healthRoutes(deps: { ping: () => Promise<void>; timeoutMs?: number }): Router {
  const router = protocolRouter({ cors: false });
  const timeoutMs = deps.timeoutMs ?? READY_TIMEOUT_MS;
  // Probes arriving while a check is still waiting share it: a silent database never piles up one query per probe.
  let inflight: Promise<void> | undefined;
  const check = () => (inflight ??= deps.ping().finally(() => { inflight = undefined; }));
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('no answer in time')), timeoutMs); });
    try {
      await Promise.race([check(), late]);
      ctx.body = { status: 'ready' };
    } catch {
      ctx.status = 503;
      ctx.set('Retry-After', String(RETRY_AFTER_SECONDS));
      ctx.body = { status: 'unavailable', error: 'temporarily_unavailable', error_description: 'The database or Redis is not answering.' };
    } finally {
      clearTimeout(timer);
    }
  });
  return router;
}
