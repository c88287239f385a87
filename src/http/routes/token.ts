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
import { CredentialMemo } from '../../oauth2/credential-memo.ts';
import { refuseIfThrottled, throttledCheck, type ClientThrottle } from '../client-throttle.ts';

export interface ClientAuthDeps extends ClientThrottle {
  clients: ClientStore;
  events: EventSink;
  pepper: string;
  /** Basic credentials already verified (see oauth2/credential-memo.ts); absent, every call is checked in full. */
  verified?: CredentialMemo;
}

export interface TokenRouteDeps extends ClientAuthDeps {
  grantContext: (ctx: Context) => GrantContext;
}

/**
 * Authenticates the client from the header or body, recording failures as audit events. Each secret check is
 * counted before it runs, per (client_id, source): past the limit that source gets 429 without a check, even for
 * the right secret, while the same client calling from elsewhere is untouched (issue 17 #4, #7).
 */
export async function clientFrom(ctx: Context, params: Record<string, string>, deps: ClientAuthDeps): Promise<ClientRecord> {
  const auth = ctx.get('authorization');
  // Only the plain case (Basic alone, no credentials in the body) is remembered: anything else is checked in full.
  const memoKey = deps.verified && auth.startsWith('Basic ') && params.client_id === undefined && params.client_secret === undefined ? CredentialMemo.key(auth) : null;
  const hit = memoKey ? deps.verified!.get(memoKey) : undefined;
  if (hit) {
    // Nothing is checked on a hit, but a source past its limit must not learn that these credentials are right.
    await refuseIfThrottled(deps, hit.clientId, ctx.ip);
    const client = await deps.clients.findByClientId(hit.clientId);
    if (client?.clientType === 'confidential' && client.secretHash === hit.secretHash) return client;
  }
  const client = await checkOnce(ctx, auth, params, deps);
  if (memoKey && client.clientType === 'confidential' && client.secretHash) deps.verified!.set(memoKey, { clientId: client.clientId, secretHash: client.secretHash });
  return client;
}

/** Checks in progress per app (keyed by its memo), so identical concurrent requests share one (see checkOnce). */
const inFlight = new WeakMap<object, Map<string, Promise<ClientRecord>>>();

/**
 * Identical credentials from one source that arrive together (a client's first burst, before the memo knows
 * them) share one check and so consume one attempt: consume-first would otherwise refuse a legitimate burst
 * larger than the limit. Distinct guesses are distinct keys and each consumes its own attempt.
 */
function checkOnce(ctx: Context, auth: string, params: Record<string, string>, deps: ClientAuthDeps): Promise<ClientRecord> {
  if (!deps.verified || (params.client_secret === undefined && !auth.startsWith('Basic '))) return checkClient(ctx, auth, params, deps);
  let flights = inFlight.get(deps.verified);
  if (!flights) inFlight.set(deps.verified, flights = new Map());
  const key = CredentialMemo.key(JSON.stringify([auth, params.client_id, params.client_secret, ctx.ip]));
  let flight = flights.get(key);
  if (!flight) {
    flight = checkClient(ctx, auth, params, deps).finally(() => flights.delete(key));
    flights.set(key, flight);
  }
  return flight;
}

async function checkClient(ctx: Context, auth: string, params: Record<string, string>, deps: ClientAuthDeps): Promise<ClientRecord> {
  const presented = extractClientCredentials({ authorization: auth || undefined, body: params });
  const isVerdict = (e: unknown) => isOAuthError(e) && e.error === 'invalid_client';
  const check = async () => {
    try {
      return await authenticateClient(presented, deps.clients, deps.pepper);
    } catch (e) {
      if (isVerdict(e)) await deps.events.record({ type: 'client.auth_failed', clientId: presented?.clientId.slice(0, 100) ?? null, ip: ctx.ip, requestId: ctx.state.requestId, detail: { path: ctx.path } });
      throw e;
    }
  };
  // Only a presented secret is something to guess; it is counted before it is checked (consume, then check).
  return presented?.clientSecret !== undefined ? throttledCheck(deps, presented.clientId, ctx.ip, check, isVerdict) : check();
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
