import Router from '../router.ts';
import type { Context } from 'koa';
import { extractClientCredentials } from '../../oauth2/client-auth.ts';
import { authenticateClient } from '../../oauth2/authenticate-client.ts';
import { InvalidRequest, UnauthorizedClient, UnsupportedGrantType, isOAuthError } from '../../oauth2/errors.ts';
import { effectiveGrantTypes } from '../../oauth2/grant-types.ts';
import { grants } from '../../oauth2/grants/index.ts';
import type { GrantContext } from '../../oauth2/grants/context.ts';
import type { ClientRecord, ClientStore, EventSink, GrantType } from '../../oauth2/store.ts';
import { formParams, oauthEndpoint } from '../oauth-endpoint.ts';
import { HttpError } from '../middleware/errors.ts';
import { CredentialMemo } from '../../oauth2/credential-memo.ts';
import type { RateLimiter } from '../../storage/rate-limit.ts';

export interface ClientAuthDeps {
  clients: ClientStore;
  events: EventSink;
  pepper: string;
  limiter: RateLimiter;
  /** Failed authentications per client_id within the window before the client is refused outright. */
  failureLimit: number;
  windowSeconds: number;
  /** Basic credentials already verified (see oauth2/credential-memo.ts); absent, every call is checked in full. */
  verified?: CredentialMemo;
}

export interface TokenRouteDeps extends ClientAuthDeps {
  grantContext: (ctx: Context) => GrantContext;
}

/**
 * Authenticates the client from the header or body, recording failures as audit events. After too many
 * failures for one client_id the secret is not even checked (429), so guessing it online is pointless.
 */
export async function clientFrom(ctx: Context, params: Record<string, string>, deps: ClientAuthDeps): Promise<ClientRecord> {
  const auth = ctx.get('authorization');
  // Only the plain case (Basic alone, no credentials in the body) is remembered: anything else is checked in full.
  const memoKey = deps.verified && auth.startsWith('Basic ') && params.client_id === undefined && params.client_secret === undefined ? CredentialMemo.key(auth) : null;
  const hit = memoKey ? deps.verified!.get(memoKey) : undefined;
  if (hit) {
    await refuseIfThrottled(throttleKey(hit.clientId), deps);
    const client = await deps.clients.findByClientId(hit.clientId);
    if (client?.clientType === 'confidential' && client.secretHash === hit.secretHash) return client;
  }
  const client = await checkClient(ctx, auth, params, deps);
  if (memoKey && client.clientType === 'confidential' && client.secretHash) deps.verified!.set(memoKey, { clientId: client.clientId, secretHash: client.secretHash });
  return client;
}

const throttleKey = (clientId: string) => `client-auth:${clientId.slice(0, 100)}`;

/** After too many failures for one client_id the secret is not even checked (429), remembered or not. */
async function refuseIfThrottled(key: string, deps: ClientAuthDeps): Promise<void> {
  const state = await deps.limiter.peek(key, deps.failureLimit);
  if (!state.allowed) throw new HttpError(429, 'invalid_client', 'Too many failed client authentications. Try again later.', { 'Retry-After': String(state.retryAfter) });
}

async function checkClient(ctx: Context, auth: string, params: Record<string, string>, deps: ClientAuthDeps): Promise<ClientRecord> {
  const presented = extractClientCredentials({ authorization: auth || undefined, body: params });
  const key = presented ? throttleKey(presented.clientId) : '';
  if (presented) await refuseIfThrottled(key, deps);
  try {
    return await authenticateClient(presented, deps.clients, deps.pepper);
  } catch (e) {
    if (isOAuthError(e) && e.error === 'invalid_client') {
      if (presented) await deps.limiter.hit(key, deps.failureLimit, deps.windowSeconds);
      await deps.events.record({ type: 'client.auth_failed', clientId: presented?.clientId.slice(0, 100) ?? null, ip: ctx.ip, requestId: ctx.state.requestId, detail: { path: ctx.path } });
    }
    throw e;
  }
}

/** RFC 6749 §3.2: the token endpoint. Every grant is a module in src/oauth2/grants. */
export function tokenRoutes(deps: TokenRouteDeps): Router {
  const router = new Router();
  router.post(['/o/token', '/o/token/'], oauthEndpoint(), async function tokenEndpoint(ctx) {
    const params = formParams(ctx);
    const client = await clientFrom(ctx, params, deps);
    const grantType = params.grant_type;
    if (!grantType) throw new InvalidRequest('grant_type is required.');
    const grant = grants.get(grantType);
    if (!grant) throw new UnsupportedGrantType(`grant_type "${grantType.slice(0, 40)}" is not supported.`);
    // RFC 6749 §5.2 unauthorized_client: the client is not registered for this grant type.
    if (!effectiveGrantTypes(client.grantTypes).includes(grantType as GrantType)) throw new UnauthorizedClient(`This client may not use the ${grantType} grant.`);
    const declared: Record<string, string> = {};
    for (const name of grant.parameters) if (params[name] !== undefined) declared[name] = params[name];
    ctx.body = await grant.handle(declared, client, deps.grantContext(ctx));
  });
  return router;
}
