import type { Context, Middleware } from 'koa';
import { extractClientCredentials, JWT_AUTH_METHOD_NAMES } from '../../oauth2/client-auth.ts';
import { authenticateClient } from '../../oauth2/authenticate-client.ts';
import { InvalidClient, isOAuthError } from '../../oauth2/errors.ts';
import { reasonOf } from '../../oauth2/failure-reasons.ts';
import type { AssertionVerifier } from '../../oauth2/client-assertion/verify-assertion.ts';
import type { ClientRecord, ClientStore, EventSink } from '../../oauth2/store.ts';
import { CredentialMemo } from '../../oauth2/credential-memo.ts';
import { refuseIfThrottled, throttledCheck, type ClientThrottle } from '../client-throttle.ts';
import { isDeletedMeanwhile } from './errors.ts';
import { formParams } from '../oauth-endpoint.ts';
import { clientRefusal } from '../../oauth2/security-profile/requests.ts';
import type { SecurityProfile } from '../../oauth2/security-profile/rules.ts';

export interface ClientAuthDeps extends ClientThrottle {
  /** Only the lookup: the token endpoint's resolves client ID metadata documents too (oauth2/client-id-metadata.ts). */
  clients: Pick<ClientStore, 'findByClientId'>;
  events: EventSink;
  pepper: string;
  /** Basic credentials already verified (see oauth2/credential-memo.ts); absent, every call is checked in full. */
  verified?: CredentialMemo;
  /** RFC 7523 client assertions (private_key_jwt, client_secret_jwt); absent, every assertion is refused. */
  assertions?: AssertionVerifier;
  /** A client the profile refuses (registered before it was set) is refused here, whatever the endpoint. */
  securityProfile?: SecurityProfile;
}

/**
 * Authenticates the client from the header or body, recording failures as audit events. Each secret check is
 * counted before it runs, per (client_id, source): past the limit that source gets 429 without a check, even for
 * the right secret, while the same client calling from elsewhere is untouched (issue 17 #4, #7).
 */
async function clientFrom(ctx: Context, params: Record<string, string>, deps: ClientAuthDeps): Promise<ClientRecord> {
  const auth = ctx.get('authorization');
  // Only the plain case (Basic alone, no credentials in the body) is remembered: anything else is checked in full.
  const memoKey = deps.verified && auth.startsWith('Basic ') && params.client_id === undefined && params.client_secret === undefined ? CredentialMemo.key(auth) : null;
  const hit = memoKey ? deps.verified!.get(memoKey) : undefined;
  if (hit) {
    // Nothing is checked on a hit, but a source past its limit must not learn that these credentials are right.
    await refuseIfThrottled(deps, hit.clientId, ctx.ip);
    const client = await deps.clients.findByClientId(hit.clientId);
    // A client switched to an assertion method since (Core §9) no longer authenticates with its secret.
    if (client?.clientType === 'confidential' && client.secretHash === hit.secretHash && !JWT_AUTH_METHOD_NAMES.includes(client.tokenEndpointAuthMethod)) return client;
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
      return await authenticateClient(presented, deps.clients, deps.pepper, deps.assertions);
    } catch (e) {
      if (isVerdict(e)) await deps.events.record({ type: 'client.auth_failed', clientId: presented?.clientId ?? null, ip: ctx.ip, requestId: ctx.state.requestId, detail: { path: ctx.path, reason: reasonOf(e) } });
      throw e;
    }
  };
  // Only a presented secret or assertion is something to guess; it is counted before it is checked (consume, then check).
  return presented?.clientSecret !== undefined || presented?.assertion !== undefined ? throttledCheck(deps, presented.clientId, ctx.ip, check, isVerdict) : check();
}

/**
 * The one client-authentication step of the protocol endpoints (token, PAR, revocation, device authorization,
 * introspection's client mode): reads the form, authenticates the client (RFC 6749 §2.3.1, see clientFrom), refuses
 * one the security profile does not allow (clientRefusal) and leaves it for
 * authenticatedClient(). `skip` lets an endpoint with another way in (introspection's bearer mode) pass by.
 */
export function clientAuthentication(deps: ClientAuthDeps, opts: { skip?: (ctx: Context) => boolean } = {}): Middleware {
  const { skip } = opts;
  return async function authenticateClientStep(ctx, next) {
    if (!skip?.(ctx)) {
      const client = await clientFrom(ctx, formParams(ctx), deps);
      const refused = clientRefusal(deps.securityProfile, client);
      if (refused) throw refused;
      ctx.state.client = client;
    }
    try {
      await next();
    } catch (e) {
      // The client was deleted after it authenticated: its row (a token, a pushed request, a device code) cannot be
      // stored, and the request is answered as one arriving after the deletion, not with a 500 (attacker read 4).
      if (ctx.state.client && isDeletedMeanwhile(e)) throw new InvalidClient('The client no longer exists.');
      throw e;
    }
  };
}

/** The client clientAuthentication() authenticated for this request. */
export function authenticatedClient(ctx: Context): ClientRecord {
  const client = ctx.state.client as ClientRecord | undefined;
  if (!client) throw new Error('authenticatedClient() needs clientAuthentication() earlier in the route.');
  return client;
}
