import type { UserStore } from '../accounts/store.ts';
import type { EventSink } from '../oauth2/store.ts';
import { generateToken } from '../oauth2/tokens.ts';
import { badRequest, unauthorized } from './errors.ts';
import type { OAuth1Request } from './params.ts';
import type { OAuth1FlowStore, OAuth1Stores } from './store.ts';
import { verifyRequest, type VerifyOptions } from './verify.ts';

// The signed steps of RFC 5849: temporary credentials (§2.1), token credentials (§2.3) and protected resources
// (§3). Each takes the request as the client signed it and returns plain values, or throws an OAuth1Error.

/** How far oauth_timestamp may be from the server's clock, in seconds (§3.3 leaves the window to the server). */
export const TIMESTAMP_WINDOW = 300;

/** What verifying a signed request needs besides the request: the HTTP layer fills it per request. */
export interface SignedRequestSettings {
  /** Milliseconds since the epoch. */
  now: number;
  /** PLAINTEXT sends the secrets themselves: only over TLS, or where insecure transport is allowed (§3.4.4). */
  allowPlaintext: boolean;
  /** Runs the secret-dependent checks inside the per-(client, source) throttle (see VerifyOptions). */
  guard?: VerifyOptions['guard'];
}

export interface FlowContext extends SignedRequestSettings {
  store: OAuth1FlowStore;
  events: EventSink;
  audit: { ip: string | null; requestId: string | null };
}

type Expect = Pick<VerifyOptions, 'tokenRequired' | 'tokenKind' | 'requireCallback'>;

// RFC 5849 §2.1, §2.3 and §3.2: the server MUST verify every signed request before answering it.
const verify = (req: OAuth1Request, stores: OAuth1Stores, s: SignedRequestSettings, expect: Expect) => verifyRequest(req, {
  stores, now: Math.floor(s.now / 1000), timestampWindow: TIMESTAMP_WINDOW, allowPlaintext: s.allowPlaintext, guard: s.guard, ...expect,
});

export interface TemporaryCredentials { oauth_token: string; oauth_token_secret: string; oauth_callback_confirmed: 'true' }

/** RFC 5849 §2.1: the client asks for temporary credentials, naming where the user is sent back. */
export async function issueTemporaryCredentials(req: OAuth1Request, ctx: FlowContext & { temporaryTtl: number }): Promise<TemporaryCredentials> {
  // RFC 5849 §2.1: oauth_callback is REQUIRED ("oob" when the client cannot receive callbacks).
  const { consumer, protocol } = await verify(req, ctx.store, ctx, { tokenRequired: false, requireCallback: true });
  const callback = protocol.oauth_callback;
  // The callback must be out-of-band or one the application registered, matched exactly like OAuth 2 redirects.
  if (callback !== 'oob' && !consumer.callbackUris.includes(callback)) throw badRequest('parameter_rejected', 'oauth_callback is not registered for this application.');
  const token = generateToken(24);
  const secret = generateToken(24);
  await ctx.store.createTemporary({ token, secret, applicationId: consumer.applicationId, callback, expiresAt: ctx.now + ctx.temporaryTtl * 1000 });
  // RFC 5849 §2.1: oauth_callback_confirmed MUST be present and set to "true".
  return { oauth_token: token, oauth_token_secret: secret, oauth_callback_confirmed: 'true' };
}

export interface TokenCredentialsAnswer { oauth_token: string; oauth_token_secret: string }

/** RFC 5849 §2.3: temporary credentials and the verifier the user brought back become token credentials, once. */
export async function issueTokenCredentials(req: OAuth1Request, ctx: FlowContext): Promise<TokenCredentialsAnswer> {
  const { protocol, consumer, token } = await verify(req, ctx.store, ctx, { tokenRequired: true, tokenKind: 'temporary' });
  // RFC 5849 §2.3: oauth_verifier is REQUIRED.
  if (!protocol.oauth_verifier) throw badRequest('parameter_absent', 'oauth_verifier is required.');
  const credentials = { token: generateToken(24), secret: generateToken(24) };
  // RFC 5849 §2.3: the server MUST verify the verifier and that the temporary credentials were authorized and
  // not used before; the store spends them atomically, so of two exchanges of one verifier only one succeeds.
  const result = await ctx.store.exchange({ temporary: token!.token, verifier: protocol.oauth_verifier, ...credentials, now: ctx.now });
  if (!result) throw unauthorized('verifier_invalid', 'The verifier is wrong or was already used.');
  await ctx.events.record({ type: 'token.issued', userId: result.userId, clientId: consumer.consumerKey, ...ctx.audit, detail: { protocol: 'oauth1' } });
  return { oauth_token: credentials.token, oauth_token_secret: credentials.secret };
}

export interface ResourceAccess { consumerKey: string; userId: number | null; username: string | null }

/** RFC 5849 §3: a request for a protected resource, signed with token credentials; who it acts for. */
export async function verifyResourceRequest(req: OAuth1Request, settings: SignedRequestSettings, stores: { oauth1: OAuth1Stores; users: UserStore }): Promise<ResourceAccess> {
  const { consumer, token } = await verify(req, stores.oauth1, settings, { tokenRequired: true, tokenKind: 'access' });
  const user = token?.userId ? await stores.users.findById(token.userId) : null;
  return { consumerKey: consumer.consumerKey, username: user?.username ?? null, userId: token?.userId ?? null };
}
