import { randomBytes } from 'node:crypto';
import type { Middleware } from 'koa';
import { RequestContext, type MikroORM } from '@mikro-orm/core';
import { requestScope, type Logger } from '../../logger.ts';

/**
 * Gives every request an id (echoed as X-Request-Id, used in logs and audit events). Ids need to be unique, not
 * secret: a random per-process prefix and a counter, with no system call per request.
 */
export function requestId(): Middleware {
  const prefix = randomBytes(6).toString('base64url');
  const valid = /^[\w.-]{8,64}$/;
  let n = 0;
  // Every request passes here: the raw header and setHeader, not Koa's delegating ctx.get/ctx.set, and no async frame.
  return (ctx, next) => {
    const incoming = ctx.req.headers['x-request-id'];
    const id = typeof incoming === 'string' && valid.test(incoming) ? incoming : `${prefix}${(++n).toString(36).padStart(4, '0')}`;
    ctx.state.requestId = id;
    ctx.res.setHeader('X-Request-Id', id);
    // The rest of the request runs in its scope, so every log line it writes names it (src/logger.ts).
    return requestScope.run(id, next);
  };
}

/** One line per request: path only, never the query (it can hold codes) nor any header or body. */
export function accessLog(logger: Logger): Middleware {
  return async (ctx, next) => {
    const t0 = performance.now();
    try { await next(); } finally {
      logger.info('request', { requestId: ctx.state.requestId, method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(performance.now() - t0) });
    }
  };
}

/** One EntityManager per request (DESIGN rule 7): repositories resolve `orm.em` to this fork. */
export function ormContext(orm: MikroORM): Middleware {
  return (_ctx, next) => RequestContext.create(orm.em, next);
}
