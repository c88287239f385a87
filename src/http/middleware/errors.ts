import type { Context, Middleware } from 'koa';
import { InvalidGrant, isOAuthError, type OAuthError } from '../../oauth2/errors.ts';
import type { Logger } from '../../logger.ts';
import { isForeignKeyViolation } from '../../storage/unique.ts';
import { DeletedMeanwhile, RevokedMeanwhile } from '../../oauth2/store.ts';

/** An error meant for a person or a JSON caller, with a stable code (pages use it; OAuth uses OAuthError). */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;
  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

type Render = (ctx: Context, template: string, locals: Record<string, unknown>) => void;

function wantsJson(ctx: Context): boolean {
  // The protocol lane marks its requests (src/http/lanes.ts), so errors raised before an endpoint runs answer JSON too.
  return ctx.state.api === true || ctx.accepts('html', 'json') === 'json';
}

/**
 * Turns every failure into a clear answer: OAuth errors keep their RFC shape, known HTTP errors their
 * status, and anything unexpected becomes a fixed server_error logged with the request id — never a stack trace.
 */
export function errorHandler(logger: Logger, render: Render, onRefused?: (ctx: Context, err: OAuthError) => Promise<void>): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      // What the routers left unanswered answers in its lane's way too (JSON or a page), not as Koa's plain text.
      if (ctx.body === undefined) {
        if (ctx.status === 404) throw new HttpError(404, 'not_found', 'There is no page at this address.');
        // @koa/router's allowedMethods: a method this path does not serve (405, with Allow), or no route serves (501).
        if (ctx.status === 405) throw new HttpError(405, 'method_not_allowed', `${ctx.method} is not allowed here.`, { Allow: ctx.response.get('Allow') });
        if (ctx.status === 501) throw new HttpError(501, 'not_implemented', `${ctx.method} is not implemented.`);
      }
    } catch (thrown) {
      const err = thrown instanceof RevokedMeanwhile ? endedMeanwhile(ctx) : thrown;
      let status = 500;
      let code = 'server_error';
      let description = 'The server encountered an unexpected condition.';
      let headers: Record<string, string> = {};
      let title = 'Something went wrong';
      if (isOAuthError(err)) {
        ({ status, error: code, description, headers } = err);
        title = 'The request could not be completed';
        // The one place refused protocol requests are recorded for their client's developer (app.ts says how).
        if (onRefused && status < 500) await onRefused(ctx, err).catch((e: unknown) => logger.error('cannot record a refusal', { error: String((e as Error)?.message ?? e) }));
      } else if (err instanceof HttpError) {
        ({ status, code, headers } = err);
        description = err.message;
        title = status === 404 ? 'Not found' : status === 403 ? 'Forbidden' : status === 429 ? 'Too many attempts' : 'The request could not be completed';
      } else if (isClientHttpError(err)) {
        // Body parser and Koa's own 4xx (malformed JSON or form, body too large): the caller's fault, said plainly.
        status = err.status;
        code = 'invalid_request';
        description = status === 413 ? 'The request body is too large.' : status === 415 ? 'Unsupported content type.' : 'The request could not be parsed.';
        title = 'The request could not be completed';
      } else if (isDeletedMeanwhile(err)) {
        // What the request stands on (its client) was deleted while it was answered: the caller hears what it would
        // have heard a moment later, never a 500. Client-authenticated endpoints say invalid_client (client-auth.ts).
        status = 400;
        code = 'invalid_request';
        description = 'The application this request is for was deleted meanwhile.';
        title = 'The request could not be completed';
        // Logged, names only (no values): a foreign-key violation from a real bug would otherwise pass unnoticed.
        const e = err as { name?: string; code?: string; constraint?: string };
        logger.warn('deleted meanwhile', { requestId: ctx.state.requestId, method: ctx.method, path: ctx.path, error: e?.name, code: e?.code, constraint: e?.constraint });
      } else if (isUnavailable(err)) {
        status = 503;
        code = 'temporarily_unavailable';
        description = UNAVAILABLE;
        title = 'Temporarily unavailable';
        headers = { 'Retry-After': String(RETRY_AFTER_SECONDS) };
        logger.error('unavailable', { requestId: ctx.state.requestId, error: String((err as Error)?.message ?? err) });
      } else {
        logger.error('unhandled error', { requestId: ctx.state.requestId, method: ctx.method, path: ctx.path, error: (err as Error)?.stack ?? String(err) });
      }
      ctx.status = status;
      for (const [k, v] of Object.entries(headers)) ctx.set(k, v);
      if (status >= 500 || status === 401 || status === 400) ctx.set('Cache-Control', 'no-store');
      if (ctx.path === '/graphql') {
        // GraphQL callers read `errors` whatever went wrong, with Apollo-style codes (see graphql/errors.ts).
        ctx.body = { errors: [{ message: description, extensions: { code: code.toUpperCase() } }] };
      } else if (wantsJson(ctx)) {
        ctx.body = { error: code, error_description: description };
      } else {
        render(ctx, 'error', { title, status, code, description, requestId: ctx.state.requestId });
        ctx.status = status;
      }
    }
  };
}

/**
 * What a token, code or approval was being given under ended meanwhile (its grant revoked, its user deactivated, its
 * actor deleted: RevokedMeanwhile). A client hears what a request a moment later would, RFC 6749 §5.2 invalid_grant,
 * with a fixed text that says nothing of the account's state, and the refusal is recorded like any other (onRefused).
 * A person (the device and OAuth 1 pages) is told that nothing was authorized. The authorization endpoint answers its
 * client itself, at the redirect_uri (authorize-request.ts).
 */
function endedMeanwhile(ctx: Context): OAuthError | HttpError {
  if (wantsJson(ctx)) return new InvalidGrant('The grant is no longer valid.', { reason: 'grant_ended' });
  return new HttpError(403, 'access_denied', 'Nothing was authorized: the authorization ended while it was being given. Start again from the application.');
}

function isClientHttpError(err: unknown): err is { status: number } {
  const e = err as { status?: unknown; expose?: unknown };
  return typeof e?.status === 'number' && e.status >= 400 && e.status < 500;
}

/** How long a caller told 503 should wait before trying again (readiness probes say the same). */
export const RETRY_AFTER_SECONDS = 5;
export const UNAVAILABLE = 'The service is temporarily unavailable. Try again shortly.';

// Failures and timeouts of the database or Redis: the request was fine, the service will be back (503, not 500).
// Every wait on them is bounded (storage/orm.ts, storage/redis.ts), and each bound ends here: 57014 is PostgreSQL's
// statement_timeout, 25P03 its idle-in-transaction timeout, 40P01 / 40001 a deadlock or serialization conflict it broke
// by rolling one side back (try again), "Query read timeout" pg's own, "Command timed out"
// ioredis's; SQLITE_BUSY* (BUSY, BUSY_SNAPSHOT, BUSY_RECOVERY, BUSY_TIMEOUT) comes after busy_timeout waited;
// SLOT_WAIT_TIMEOUT is our own wait for a turn at work run a few at a time (storage/task-slots.ts).
const UNAVAILABLE_CODES = new Set(['SLOT_WAIT_TIMEOUT', '40P01', '40001', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', '57P01', '57P02', '57P03', '57014', '25P03', '08000', '08003', '08006', '08001', '08004', '53300']);
const UNAVAILABLE_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Connection is closed|Client has encountered a connection error|Reached the max retries per request limit|Stream isn't writeable|Query read timeout|Command timed out/i;

export function isUnavailable(err: unknown): boolean {
  for (let e = err as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (UNAVAILABLE_CODES.has(String(e.code)) || String(e.code).startsWith('SQLITE_BUSY') || e.name === 'ConnectionException' || e.name === 'MaxRetriesPerRequestError') return true;
    if (typeof e.message === 'string' && UNAVAILABLE_MESSAGES.test(e.message)) return true;
    // Node's fetch-style aggregate (several addresses refused).
    if (Array.isArray((e as { errors?: unknown[] }).errors) && (e as { errors: unknown[] }).errors.some(isUnavailable)) return true;
  }
  return false;
}

/**
 * What a request stood on (its client) was deleted while it was answered: a write naming it hit a foreign key, or a
 * store found it gone (DeletedMeanwhile). Answered as a request arriving after the deletion would be.
 */
export function isDeletedMeanwhile(err: unknown): boolean {
  return err instanceof DeletedMeanwhile || isForeignKeyViolation(err);
}
