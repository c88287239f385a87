import { sourceOf } from '../../accounts/source.ts';
import type { Context, Middleware } from 'koa';
import { bearerChallenge } from '../../oauth2/challenge.ts';
import type Router from '../router.ts';
import { protocolRouter } from '../router.ts';
import { oauthEndpoint } from '../oauth-endpoint.ts';
import { HttpError } from '../middleware/errors.ts';
import { parseBearer } from '../../oauth2/bearer.ts';
import { InvalidClientMetadata, InvalidRequest, InvalidToken } from '../../oauth2/errors.ts';
import { deleteClient, registerClient, RegistrationClaimLost, updateClient, type ClientDeps } from '../../oauth2/clients.ts';
import type { RegistrationPolicy } from '../../oauth2/client-registration.ts';
import { clientMetadata, validateDynamicMetadata } from '../../oauth2/dynamic-registration.ts';
import { generateToken, hashToken, verifyClientSecret } from '../../oauth2/tokens.ts';
import type { ClientRecord, RegistrationStore } from '../../oauth2/store.ts';
import type { RateLimiter } from '../../storage/rate-limit.ts';

export const REGISTRATION_PATH = '/o/register';

export interface RegistrationDeps {
  mode: 'open' | 'token';
  clientDeps: ClientDeps;
  registrations: RegistrationStore;
  policy: RegistrationPolicy;
  limiter: RateLimiter;
  perSource: number;
  windowSeconds: number;
  issuer: () => string;
}

/** RFC 6750 §3: 401 with the challenge; no error code when the request carried no credentials (§3.1). */
function unauthorized(withError: boolean): InvalidToken {
  const e = new InvalidToken(withError ? 'The access token is not valid here.' : 'A bearer access token is required.');
  e.headers['WWW-Authenticate'] = bearerChallenge({ realm: 'gatehouse', error: withError ? 'invalid_token' : undefined });
  return e;
}

/** The bearer token of the request (RFC 6750 §2.1), or the RFC 6750 §3.1 refusal. */
function bearerOf(ctx: Context): string {
  const b = parseBearer(ctx.get('Authorization'));
  if (b.ok) return b.token;
  if (b.refusal === 'malformed') throw new InvalidRequest('The Authorization header is not a bearer token.');
  throw unauthorized(b.refusal !== 'absent');
}

// RFC 7591 §3.1: the metadata is a JSON document.
function jsonBody(ctx: Context): unknown {
  if (!ctx.is('application/json')) throw new InvalidClientMetadata('Send the client metadata as application/json.');
  return ctx.request.body;
}

/**
 * RFC 7591 §3 registration at POST /o/register and RFC 7592 read/update/delete at /o/register/<client_id>. The
 * registration access token names one client: any other token, or another client's path, is the same 401.
 */
export function registrationRoutes(deps: RegistrationDeps): Router {
  const router = protocolRouter({ cors: false });
  const audit = (ctx: Context) => ({ ip: ctx.ip as string | null, requestId: ctx.state.requestId as string | null });
  const clientUri = (clientId: string) => `${deps.issuer()}${REGISTRATION_PATH}/${encodeURIComponent(clientId)}`;

  const register: Middleware = async function register(ctx) {
    // Consume, then check: every attempt from a source counts, and only a token-gated success is given back.
    // One source is an IPv4 address or an IPv6 /64, as for every budget (attacker read 11, F3: a /64 got 20 of 20).
    const key = `registration:${sourceOf(ctx.ip)}`;
    const attempt = await deps.limiter.consume(key, deps.perSource, deps.windowSeconds);
    if (!attempt.allowed) throw new HttpError(429, 'temporarily_unavailable', 'Too many registrations from this source. Try again later.', { 'Retry-After': String(attempt.retryAfter) });
    // RFC 7591 §3: an initial access token, issued by an administrator, gates registration. Checked first, spent
    // last: metadata that fails validation costs the developer nothing (nor a multi-use token's count).
    const initialTokenHash = deps.mode === 'token' ? hashToken(bearerOf(ctx)) : null;
    if (initialTokenHash && !(await deps.registrations.initialAccessTokenUsable(initialTokenHash, Date.now()))) throw unauthorized(true);
    const input = await validateDynamicMetadata(jsonBody(ctx), deps.policy);
    const registrationAccessToken = generateToken();
    const owner = await deps.registrations.systemOwner();
    const claim = initialTokenHash ? () => deps.registrations.spendInitialAccessToken(initialTokenHash, Date.now()) : undefined;
    let registered: Awaited<ReturnType<typeof registerClient>>;
    try {
      registered = await registerClient(input, owner, deps.clientDeps, audit(ctx), { registered: 'dynamic', registrationTokenHash: hashToken(registrationAccessToken), claim });
    } catch (e) {
      // Another registration spent the single-use token between our check and our spend: as if it had been spent before.
      if (e instanceof RegistrationClaimLost) throw unauthorized(true);
      throw e;
    }
    const { client, clientSecret } = registered;
    if (deps.mode === 'token') await deps.limiter.refund(key);
    ctx.status = 201; // RFC 7591 §3.2.1
    ctx.body = answer(client, clientSecret, registrationAccessToken);
  };

  const answer = (client: ClientRecord, clientSecret: string | null, registrationAccessToken?: string) => ({
    ...clientMetadata(client),
    // RFC 7591 §3.2.1: client_secret_expires_at is REQUIRED with a secret; 0 means it does not expire.
    ...(clientSecret ? { client_secret: clientSecret, client_secret_expires_at: 0 } : {}),
    ...(registrationAccessToken ? { registration_access_token: registrationAccessToken } : {}),
    registration_client_uri: clientUri(client.clientId),
  });

  /** RFC 7592 §2: the client the registration access token was issued to, if the path names that very client. */
  const managed: Middleware = async function managedClient(ctx, next) {
    const tokenHash = hashToken(bearerOf(ctx));
    const client = await deps.registrations.findByRegistrationTokenHash(tokenHash);
    // RFC 7592 §2.1: a wrong token, or another client's URI, is 401 and reveals nothing about that client.
    if (!client || client.clientId !== ctx.params.clientId) throw unauthorized(true);
    ctx.state.client = client;
    ctx.state.registrationTokenHash = tokenHash;
    await next();
  };

  const read: Middleware = function read(ctx) {
    ctx.body = answer(ctx.state.client as ClientRecord, null);
  };

  const update: Middleware = async function update(ctx) {
    const current = ctx.state.client as ClientRecord;
    const body = jsonBody(ctx) as Record<string, unknown>;
    // RFC 7592 §2.2: the request names the client, carries its current secret if any, and none of the server's fields.
    if (typeof body !== 'object' || body === null || body.client_id !== current.clientId) throw new InvalidClientMetadata('client_id must be the client\'s own.');
    const forbidden = ['registration_access_token', 'registration_client_uri', 'client_secret_expires_at', 'client_id_issued_at'].find((f) => f in body);
    if (forbidden) throw new InvalidClientMetadata(`${forbidden} must not be sent.`);
    if (body.client_secret !== undefined && (typeof body.client_secret !== 'string' || !current.secretHash || !verifyClientSecret(body.client_secret, current.secretHash, deps.clientDeps.pepper))) {
      throw new InvalidClientMetadata('client_secret is not the client\'s secret.');
    }
    const input = await validateDynamicMetadata(body, deps.policy, current);
    // RFC 7592 §2.2: the registration access token may rotate; here it always does, before anything changes.
    const registrationAccessToken = generateToken();
    if (!(await deps.registrations.rotateRegistrationTokenHash(current.id, ctx.state.registrationTokenHash as string, hashToken(registrationAccessToken)))) throw unauthorized(true);
    const { client, clientSecret } = await updateClient(current, input, deps.clientDeps, audit(ctx));
    ctx.body = answer(client, clientSecret, registrationAccessToken);
  };

  const remove: Middleware = async function remove(ctx) {
    await deleteClient(ctx.state.client as ClientRecord, deps.clientDeps, audit(ctx));
    ctx.status = 204; // RFC 7592 §2.3
  };

  router.post([REGISTRATION_PATH, `${REGISTRATION_PATH}/`], oauthEndpoint(), register);
  const one = [`${REGISTRATION_PATH}/:clientId`, `${REGISTRATION_PATH}/:clientId/`];
  router.get(one, oauthEndpoint(), managed, read);
  router.put(one, oauthEndpoint(), managed, update);
  router.delete(one, oauthEndpoint(), managed, remove);
  return router;
}
