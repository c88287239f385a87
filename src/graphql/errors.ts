import { GraphQLError } from 'graphql';
import type { GraphQLContext } from './context.ts';
import { protectedResourceMetadataUrl } from '../oauth2/resource-metadata.ts';
import { DPOP_ALGS } from '../oauth2/dpop/index.ts';
import { authChallenge, bearerChallenge as challenge, missingTokenChallenges } from '../oauth2/challenge.ts';

// Error codes admin UIs can branch on (extensions.code), the names Apollo and most GraphQL clients expect.
export const unauthenticated = (headers?: Record<string, string>) => new GraphQLError('Authentication required: a session, or a bearer token.', { extensions: { code: 'UNAUTHENTICATED', http: { status: 401, ...(headers ? { headers } : {}) } } });
/** RFC 6750 §3.1 invalid_token, with RFC 9728 §5.1 resource_metadata: the admin API is the issuer's resource. */
export const bearerChallenge = (issuer: string): Record<string, string> => ({
  'WWW-Authenticate': challenge({ realm: 'gatehouse', error: 'invalid_token', resource_metadata: protectedResourceMetadataUrl(issuer) }),
});
/** RFC 9449 §7.1: the refusal of a DPoP request (its error code, the algorithms a proof may use, a fresh nonce if asked). */
export const dpopChallenge = (issuer: string, error: string, extra: Record<string, string> = {}, algs: readonly string[] = DPOP_ALGS): Record<string, string> => ({
  ...extra,
  'WWW-Authenticate': authChallenge('DPoP', { realm: 'gatehouse', error, resource_metadata: protectedResourceMetadataUrl(issuer), algs: algs.join(' ') }),
});
/**
 * RFC 9449 §7.1: a caller with neither a token nor a session is UNAUTHENTICATED (401) with the challenges of both
 * schemes the API takes, Bearer and (when the server verifies proofs) DPoP.
 */
export const anonymous = (ctx: Pick<GraphQLContext, 'deps'>) => unauthenticated({
  'WWW-Authenticate': missingTokenChallenges({ realm: 'gatehouse', resource_metadata: protectedResourceMetadataUrl(ctx.deps.config.issuer) }, ctx.deps.dpopKey ? ctx.deps.dpopAlgs ?? DPOP_ALGS : undefined),
});
export const forbidden = (why = 'You may not do this.') => new GraphQLError(why, { extensions: { code: 'FORBIDDEN' } });
/** A budget is spent (an account's registrations): nothing changed; `retryAfter` seconds until there is room. */
export const rateLimited = (why: string, retryAfter: number) => new GraphQLError(why, { extensions: { code: 'RATE_LIMITED', retryAfter } });
/** A write lost a race with another one on the same thing: nothing changed, the caller may try again. */
export const conflict = (why: string) => new GraphQLError(why, { extensions: { code: 'CONFLICT' } });
export const notFound = (what: string) => new GraphQLError(`${what} not found.`, { extensions: { code: 'NOT_FOUND' } });

/** Invalid input: one entry per field, each with its path from the argument root. */
export function badUserInput(fields: Record<string, string>, root: string[] = ['input']): GraphQLError {
  const list = Object.entries(fields).map(([field, message]) => ({ path: [...root, field], message }));
  return new GraphQLError(`Invalid input: ${list.map((f) => `${f.path.join('.')}: ${f.message}`).join(' ')}`, { extensions: { code: 'BAD_USER_INPUT', fields: list } });
}
