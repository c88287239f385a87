import type { Middleware } from 'koa';
import type Router from '../router.ts';
import { protectedResourceMetadataUrl } from '../../oauth2/resource-metadata.ts';
import { bearerChallenge } from '../../oauth2/challenge.ts';
import { protocolRouter } from '../router.ts';
import type { UserStore } from '../../accounts/store.ts';
import { InvalidToken } from '../../oauth2/errors.ts';
import { parseScope } from '../../oauth2/scope.ts';
import type { ClientStore, GrantStore, TokenInfo } from '../../oauth2/store.ts';
import { OPENID_SCOPE, userClaims } from '../../oidc/claims.ts';
import type { KeyRing } from '../../oidc/keys.ts';
import type { Subjects } from '../../oidc/subject.ts';
import { signUserinfo } from '../../oidc/userinfo.ts';
import type { RequireTokenOptions } from '../protect.ts';
import { oauthEndpoint } from '../oauth-endpoint.ts';

export interface UserinfoDeps {
  requireToken(opts: RequireTokenOptions): Middleware;
  users: Pick<UserStore, 'findById'>;
  grants: Pick<GrantStore, 'claimsOf'>;
  clients: Pick<ClientStore, 'findByClientId'>;
  subjects: Subjects;
  keys: KeyRing;
  issuer: () => string;
}

/**
 * OpenID Connect Core §5.3: the UserInfo endpoint, GET and POST, with a bearer token that carries `openid`
 * (RFC 6750 §3 errors and WWW-Authenticate from requireToken). Also at django-oauth-toolkit's /o/userinfo/.
 */
export function oidcUserinfoRoutes(deps: UserinfoDeps): Router {
  // Browser relying parties call it: CORS per registered client.
  const router = protocolRouter({ cors: true });
  const paths = ['/userinfo', '/userinfo/', '/o/userinfo', '/o/userinfo/'];
  const steps: Middleware[] = [oauthEndpoint(), deps.requireToken({ scopes: [OPENID_SCOPE] }), async function userinfo(ctx) {
    const token = ctx.state.token as TokenInfo;
    // A client's own token (client_credentials) names no end-user; nor does a deactivated user's.
    const user = token.userId === null ? null : await deps.users.findById(token.userId);
    const client = await deps.clients.findByClientId(token.clientId);
    if (!user?.isActive || !client) {
      const e = new InvalidToken('The access token does not belong to an active user.');
      e.headers['WWW-Authenticate'] = bearerChallenge({ realm: 'gatehouse', error: 'invalid_token', resource_metadata: protectedResourceMetadataUrl(deps.issuer()) });
      throw e;
    }
    // Core §5.5: plus the claims the user agreed to share with this client by name (the `claims` parameter).
    const consented = token.grantId === null ? '' : await deps.grants.claimsOf(token.grantId);
    const claims = userClaims(user, deps.subjects.of(user.id, client), parseScope(token.scope), consented.split(' ').filter(Boolean), client.allowedScopes);
    if (!client.userinfoSignedResponseAlg) { ctx.body = claims; return; }
    // Core §5.3.2: a client that registered userinfo_signed_response_alg gets a JWS, as application/jwt.
    ctx.body = await signUserinfo(deps.keys, { ...claims, iss: deps.issuer(), aud: client.clientId }, client.userinfoSignedResponseAlg);
    ctx.type = 'application/jwt';
  }];
  router.get(paths, ...steps);
  router.post(paths, ...steps);
  return router;
}
