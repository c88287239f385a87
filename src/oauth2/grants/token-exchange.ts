import { InvalidRequest, InvalidTarget } from '../errors.ts';
import { clientLifetime, issueAndRecord, tokenWriter, type TokenResponse } from '../issue.ts';
import { formatScope } from '../scope.ts';
import { hashToken } from '../tokens.ts';
import type { ClientRecord } from '../store.ts';
import type { GrantContext, GrantParams } from './context.ts';
import { actFor, checkActor, checkSubject, idTokenSubject, idTokenUser, decideScope, decideTargets, exchangedAudience, parseExchangeRequest, policyFor, TOKEN_TYPE } from '../token-exchange/index.ts';

export const grantType = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const parameters: ReadonlySet<string> = new Set(['subject_token', 'subject_token_type', 'actor_token', 'actor_token_type', 'requested_token_type', 'resource', 'audience', 'scope']);
// Not a grant type a client registers: an administrator's exchange policy (token-exchange/policy.ts) enables it.
export const registrable = false;
// RFC 8693 §2.2.1: a refresh token is optional; an exchanged token lives no longer than its subject token, so none.
export const issuesRefreshToken = false;
// The privilege is the policy itself (privileges.ts tokenExchangePolicyRefusal), not a grant type on the client.
export const privileged = false;
/** A user's tokens reach the client at the token endpoint, not at a redirect URI (oidc/subject.ts sectorOf). */
export const userTokensWithoutRedirect = true;
/** The token endpoint's check: only a client an administrator gave an exchange policy may use this grant. */
export const enabledFor = (client: Pick<ClientRecord, 'tokenExchange' | 'registered' | 'clientType'>): boolean => client.registered === 'owner' && client.clientType === 'confidential' && Boolean(client.tokenExchange);

/** RFC 8693 §2: a token for the subject (impersonation) or for an actor acting for it (delegation, §4.1 act). */
export async function handle(params: GrantParams, client: ClientRecord, ctx: GrantContext): Promise<TokenResponse> {
  const req = parseExchangeRequest(params);
  const policy = policyFor(client, req.actorToken !== null);
  if (!ctx.resources) throw new InvalidTarget('Resource indicators are not accepted here.');
  const catalog = await ctx.resources();
  const subject = checkSubject(req.subjectIsIdToken ? await idTokenAsSubject(req.subjectToken, client, ctx) : await ctx.tokens.findAccessToken(hashToken(req.subjectToken)), client.clientId, policy, ctx.now, ctx.dpopJkt);
  const actor = req.actorToken === null ? null : checkActor(await ctx.tokens.findAccessToken(hashToken(req.actorToken)), client.clientId, policy, ctx.now, ctx.dpopJkt);
  const targets = decideTargets(params, subject, policy, catalog);
  const scope = formatScope(decideScope(params.scope, subject, client.allowedScopes, targets, catalog));
  const jwt = req.requested === TOKEN_TYPE.jwt;
  if (jwt && !ctx.accessTokens) throw new InvalidRequest('This server does not issue JWT access tokens.');
  // Issue 21: the client's own access-token lifetime (an administrator's) when it has one, still within the subject's.
  const audience = exchangedAudience(targets, catalog, clientLifetime(client.accessTokenLifetime, ctx.settings.accessTokenMaxLifetime) ?? ctx.settings.accessTokenTtl, actor ? [subject, actor] : [subject], ctx.now, jwt);
  const writer = await tokenWriter(ctx, client, audience.format === 'jwt');
  const act = actFor(subject, actor);
  // The derived token joins the subject token's grant and family: revoking either (the user's grant, the refresh
  // token it came from) revokes it too (TokenStore.revokeByGrant, revokeFamily); and it names the subject access
  // token, whose revocation reaches it (revokeAccessToken). An ID Token subject has no row: its grant is the link.
  const exchangedFrom = subject.tokenHash || undefined;
  const response = await issueAndRecord(ctx, { applicationId: client.id, userId: subject.userId, grantId: subject.grantId, scope, familyId: subject.familyId, withRefresh: false, writer, audience, act, exchangedFrom }, { clientId: client.clientId, grant: grantType });
  // RFC 8693 §2.2.1: issued_token_type is REQUIRED. token_type is DPoP when a proof bound the token (RFC 9449 §5).
  return { ...response, issued_token_type: jwt ? TOKEN_TYPE.jwt : TOKEN_TYPE.accessToken };
}

/** An ID Token Gatehouse signed for this client, as the subject token it stands for (exchange.ts idTokenUser). */
async function idTokenAsSubject(token: string, client: ClientRecord, ctx: GrantContext) {
  const claims = ctx.verifyIdToken ? await ctx.verifyIdToken(token).catch(() => null) : null;
  const u = idTokenUser(claims, client, ctx.now);
  const [user, grant] = await Promise.all([ctx.users.findById(u.userId), ctx.grants.find(u.userId, client.id)]);
  return idTokenSubject(u, user, grant, client, ctx.now);
}
