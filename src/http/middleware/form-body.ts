import { parse as parseQuery } from 'node:querystring';
import type { IncomingMessage } from 'node:http';
import type { Context, Middleware } from 'koa';
import { sizeInBytes } from '../../config/kinds.ts';

/** A 4xx the error handler answers as invalid_request with this status (see errors.ts isClientHttpError). */
const clientError = (status: number, message: string) => Object.assign(new Error(message), { status, expose: true });

const FORM = /^application\/x-www-form-urlencoded\s*(?:;|$)/i;
const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/** Is the body form-encoded? A test of the header, where ctx.is() parses the media type with type-is on each call. */
export const isFormRequest = (ctx: Context): boolean => FORM.test(ctx.req.headers['content-type'] ?? '');

const NO_QUERY: Readonly<Record<string, string | string[]>> = Object.freeze({});
/**
 * The query parameters, as `ctx.query` gives them, without building a URLSearchParams and an object for a request
 * that has no query string (Koa does that once per request even then; most protocol calls carry none).
 */
export const queryOf = (ctx: Context): Readonly<Record<string, string | string[] | undefined>> => (ctx.querystring === '' ? NO_QUERY : ctx.query);

function readText(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (err: Error | null, text?: string) => {
      req.off('data', onData); req.off('end', onEnd); req.off('error', onError); req.off('aborted', onAborted);
      if (err) { req.resume(); reject(err); } else resolve(text!);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) done(clientError(413, 'request entity too large'));
      else chunks.push(chunk);
    };
    const onEnd = () => done(null, chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks, size).toString('utf8'));
    const onError = (e: Error) => done(clientError(400, e.message));
    const onAborted = () => done(clientError(400, 'request aborted'));
    req.on('data', onData); req.on('end', onEnd); req.on('error', onError); req.on('aborted', onAborted);
  });
}

/** '100kb' (koa-bodyparser's notation, which the page lane's limit uses too) as a number of bytes. */
export function byteLimit(limit: string | number): number {
  if (typeof limit === 'number') return limit;
  const bytes = sizeInBytes(limit);
  if (bytes === undefined) throw new Error(`body limit "${limit}" is not a size such as 100kb`);
  return bytes;
}

/**
 * The request body of the protocol endpoints: RFC 6749 §3.2 and RFC 5849 §3.5.2 parameters are form-encoded, so this
 * reads a form (repeats kept as arrays, so "sent more than once" can be refused) or, for tolerance, a JSON object,
 * and leaves `ctx.request.rawBody` for OAuth 1 signatures. It replaces koa-bodyparser (co-body, raw-body, qs,
 * type-is) on this lane only: a tenth of an introspection's CPU went there. Pages keep koa-bodyparser.
 */
export function formBody(opts: { limit: number }): Middleware {
  const read = async (ctx: Context, form: boolean) => {
    const req = ctx.req;
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding.toLowerCase() !== 'identity') throw clientError(415, 'unsupported content encoding');
    if (Number(req.headers['content-length']) > opts.limit) throw clientError(413, 'request entity too large');
    const text = await readText(req, opts.limit);
    (ctx.request as unknown as { rawBody: string }).rawBody = text;
    if (form) {
      ctx.request.body = parseQuery(text);
    } else {
      let value: unknown;
      try { value = text.trim() === '' ? {} : JSON.parse(text); } catch { throw clientError(400, 'invalid JSON'); }
      if (typeof value !== 'object' || value === null) throw clientError(400, 'JSON body must be an object or array');
      ctx.request.body = value;
    }
  };
  // A request without a body (every bearer-protected GET) passes straight on, with no async frame.
  return (ctx: Context, next) => {
    const headers = ctx.req.headers;
    const length = headers['content-length'];
    const hasBody = length !== undefined ? length !== '0' : headers['transfer-encoding'] !== undefined;
    const type = headers['content-type'] ?? '';
    const form = FORM.test(type);
    if (!hasBody || ctx.method === 'GET' || ctx.method === 'HEAD' || (!form && !JSON_TYPE.test(type))) {
      ctx.request.body = {};
      return next();
    }
    return read(ctx, form).then(next);
  };
}
