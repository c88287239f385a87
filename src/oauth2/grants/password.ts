import { authenticate } from '../../accounts/users.ts';
import { InvalidGrant, InvalidRequest, InvalidScope, TooManyAttempts } from '../errors.ts';
import { issueAndRecord, tokenWriter, type TokenResponse } from '../issue.ts';
import { formatScope, mergeScopes, parseScope, resolveScope, scopeUserMayNotHold } from '../scope.ts';
import type { ClientRecord } from '../store.ts';
import type { GrantContext, GrantParams } from './context.ts';
import { decideResources } from '../resources.ts';

export const grantType = 'password';
export const parameters: ReadonlySet<string> = new Set(['username', 'password', 'scope', 'resource']);
export const registrable = true;
export const issuesRefreshToken = true;
// The client collects users' passwords (RFC 9700 §2.4: MUST NOT be used): only administrators allow it.
export const privileged = true;
/** A user's tokens reach the client at the token endpoint, not at a redirect URI (oidc/subject.ts sectorOf). */
export const userTokensWithoutRedirect = true;

/** RFC 6749 §4.3: resource owner password credentials, only for clients registered for it. */
export async function handle(params: GrantParams, client: ClientRecord, ctx: GrantContext): Promise<TokenResponse> {
  if (!params.username || !params.password) throw new InvalidRequest('username and password are required.');
  // RFC 8707 §2: checked before the password, so a wrong resource costs no guess.
  const d = await decideResources(params.resource, resolveScope(parseScope(params.scope), client.allowedScopes, ctx.settings.defaultScopes), params.scope !== undefined, ctx.resources);
  const scopes = d.scopes;
  // Counted before the password is checked, per username and per source (issue 17 #4, #6).
  const guarded = await ctx.passwordThrottle.guard(params.username, params.password, ctx.audit.ip, () => authenticate(ctx.users, params.username, params.password));
  if ('retryAfter' in guarded) throw new TooManyAttempts('Too many failed attempts. Try again later.', { headers: { 'Retry-After': String(guarded.retryAfter) } });
  const user = guarded.result;
  if (!user) {
    await ctx.events.record({ type: 'login.failed', clientId: client.clientId, ...ctx.audit, detail: { via: 'password_grant' } });
    throw new InvalidGrant('The resource owner credentials are invalid.', { reason: 'invalid_credentials' });
  }
  const refused = scopeUserMayNotHold(scopes, user);
  if (refused) throw new InvalidScope(`Only administrators can be granted the ${refused} scope.`);
  const scope = formatScope(scopes);
  const grant = await ctx.grants.upsert(user.id, client.id, mergeScopes((await ctx.grants.find(user.id, client.id))?.scope, scope), ctx.now);
  return issueAndRecord(ctx, { applicationId: client.id, userId: user.id, grantId: grant.id, scope, familyId: null, withRefresh: issuesRefreshToken, writer: await tokenWriter(ctx, client, d.audience?.format === 'jwt'), authTime: ctx.now, audience: d.audience }, { clientId: client.clientId, grant: grantType });
}
