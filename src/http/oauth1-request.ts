import type { Context } from 'koa';
import type { OAuth1Request } from '../oauth1/params.ts';
import { isFormRequest, queryOf } from './middleware/form-body.ts';

/**
 * The request as the client signed it (RFC 5849 §3.4.1): the URL it addressed (scheme and host as seen
 * through a trusted proxy), the Authorization header, and the raw form body with order and repeats kept.
 */
export function oauth1Request(ctx: Context): OAuth1Request {
  const raw = (ctx.request as unknown as { rawBody?: string }).rawBody;
  const form = isFormRequest(ctx) && typeof raw === 'string' ? [...new URLSearchParams(raw)] : undefined;
  return {
    method: ctx.method,
    url: `${ctx.protocol}://${ctx.host}${ctx.originalUrl}`,
    authorization: ctx.get('authorization') || undefined,
    formBody: form,
  };
}

/** Does this request try OAuth 1 (so a resource that speaks both should verify it that way)? */
export function looksLikeOAuth1(ctx: Context): boolean {
  const auth = ctx.req.headers.authorization;
  return (auth !== undefined && /^oauth\s/i.test(auth)) || typeof queryOf(ctx).oauth_signature === 'string';
}
