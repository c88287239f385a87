import { InvalidScope, UnauthorizedClient } from '../errors.ts';
import { issueAndRecord, tokenWriter, type TokenResponse } from '../issue.ts';
import { formatScope, parseScope, resolveScope } from '../scope.ts';
import type { ClientRecord } from '../store.ts';
import type { GrantContext, GrantParams } from './context.ts';
import { OPENID_SCOPE } from '../../oidc/claims.ts';
import { decideResources } from '../resources.ts';

export const grantType = 'client_credentials';
export const parameters: ReadonlySet<string> = new Set(['scope', 'resource']);
export const registrable = true;
// RFC 6749 §4.4.3: a refresh token SHOULD NOT be included.
export const issuesRefreshToken = false;
export const privileged = false;
export const userTokensWithoutRedirect = false;

/** RFC 6749 §4.4: the client acts for itself; no refresh token (§4.4.3). */
export async function handle(params: GrantParams, client: ClientRecord, ctx: GrantContext): Promise<TokenResponse> {
  // RFC 6749 §4.4: the client credentials grant type MUST only be used by confidential clients.
  if (client.clientType !== 'confidential') throw new UnauthorizedClient('Public clients cannot use the client credentials grant.');
  // OpenID Connect authenticates an end-user, and here there is none: no ID Token, and `openid` is not granted (RFC 6749
  // §3.3 lets the server narrow the scope; the response's `scope` says so), so the token never reaches UserInfo.
  // node-oidc-provider also issues no ID Token here, and keeps openid in the token's scope string.
  const requested = parseScope(params.scope);
  const scopes = resolveScope(requested, client.allowedScopes, ctx.settings.defaultScopes).filter((s) => s !== OPENID_SCOPE);
  // Asked for openid alone, nothing is left to grant: a token's scope is never the empty string (RFC 6749 §3.3).
  if (requested.length > 0 && scopes.length === 0) throw new InvalidScope('The openid scope needs a user; ask for the scopes of an API.');
  // The admin scope acts for an admin user; a client acting for itself has none.
  if (scopes.includes('admin')) throw new InvalidScope('The admin scope needs a user.');
  // RFC 8707 §2: the token is for the resources asked for, with only the scopes they take.
  const d = await decideResources(params.resource, scopes, params.scope !== undefined, ctx.resources);
  const scope = formatScope(d.scopes);
  return issueAndRecord(ctx, { applicationId: client.id, userId: null, grantId: null, scope, familyId: null, withRefresh: issuesRefreshToken, writer: await tokenWriter(ctx, client, d.audience?.format === 'jwt'), audience: d.audience }, { clientId: client.clientId, grant: grantType });
}
