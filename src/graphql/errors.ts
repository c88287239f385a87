import { GraphQLError } from 'graphql';
import { protectedResourceMetadataUrl } from '../oauth2/resource-metadata.ts';
import { bearerChallenge as challenge } from '../oauth2/challenge.ts';

// Error codes admin UIs can branch on (extensions.code), the names Apollo and most GraphQL clients expect.
export const unauthenticated = (headers?: Record<string, string>) => new GraphQLError('Authentication required: a session, or a bearer token.', { extensions: { code: 'UNAUTHENTICATED', http: { status: 401, ...(headers ? { headers } : {}) } } });
/** RFC 6750 §3.1 invalid_token, with RFC 9728 §5.1 resource_metadata: the admin API is the issuer's resource. */
export const bearerChallenge = (issuer: string): Record<string, string> => ({
  'WWW-Authenticate': challenge({ realm: 'gatehouse', error: 'invalid_token', resource_metadata: protectedResourceMetadataUrl(issuer) }),
});
export const forbidden = (why = 'You may not do this.') => new GraphQLError(why, { extensions: { code: 'FORBIDDEN' } });
export const notFound = (what: string) => new GraphQLError(`${what} not found.`, { extensions: { code: 'NOT_FOUND' } });

/** Invalid input: one entry per field, each with its path from the argument root. */
export function badUserInput(fields: Record<string, string>, root: string[] = ['input']): GraphQLError {
  const list = Object.entries(fields).map(([field, message]) => ({ path: [...root, field], message }));
  return new GraphQLError(`Invalid input: ${list.map((f) => `${f.path.join('.')}: ${f.message}`).join(' ')}`, { extensions: { code: 'BAD_USER_INPUT', fields: list } });
}
