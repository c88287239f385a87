import type { LoginSessions } from '../oidc/login-sessions.ts';
import DataLoader from 'dataloader';
import type { Context as KoaContext } from 'koa';
import type { UserRecord } from '../accounts/store.ts';
import type { GatehouseConfig } from '../config.ts';
import { checkAccessToken } from '../oauth2/access-token-check.ts';
import { parseScope } from '../oauth2/scope.ts';
import { hashToken, timingSafeEqualString } from '../oauth2/tokens.ts';
import { parseBearer, parseDpopAuthorization, usesBearerScheme, usesDpopScheme } from '../oauth2/bearer.ts';
import type { Stores } from '../storage/index.ts';
import type { ClientDeps } from '../oauth2/clients.ts';
import type { RegistrationPolicy } from '../oauth2/client-registration.ts';
import type { KeyRing } from '../oidc/keys.ts';
import { anonymous, bearerChallenge, dpopChallenge, forbidden, unauthenticated } from './errors.ts';
import { isOAuthError } from '../oauth2/errors.ts';
import { sessionCookieName } from '../http/middleware/csrf.ts';
import { GraphQLError } from 'graphql';
import type { TokenInfo } from '../oauth2/store.ts';

/** `tokenHash` / `sessionKey`: what the viewer came with, so a long-lived answer (a subscription) can check it still holds. */
export interface Viewer { user: UserRecord; isAdmin: boolean; via: 'session' | 'token'; scopes: string[]; tokenHash?: string; sessionKey?: string }

export interface GraphQLDeps {
  stores: Stores; config: GatehouseConfig; clientDeps: ClientDeps;
  /** The registration rules of every surface (services.ts), their sector fetches budgeted. */
  registrationPolicy: RegistrationPolicy;
  /** OpenID Connect signing keys: rotation, and how long a retired key stays published. */
  signingKeys: Pick<KeyRing, 'ensure' | 'rotate' | 'publishedUntil'>;
  /** The pages' session store: a subscription over a session ends when that session does (logout). */
  sessions: { get(key: string): Promise<Record<string, unknown> | undefined> };
  /** Ends a user's browser sessions and tells their RPs (deactivation, an administrator). */
  loginSessions: Pick<LoginSessions, 'endAllOf'>;
  /** Open event streams per user (EVENT_STREAMS_PER_USER): this instance's, or every instance's through Redis. */
  streamSlots: { take(userId: number, limit: number): Promise<(() => void) | null> };
  /**
   * RFC 9449 §7: the key thumbprint of the request's DPoP proof for this access token (ath checked), or a thrown
   * OAuthError; absent, the DPoP scheme is refused.
   */
  dpopKey?: (koa: KoaContext, accessToken: string) => Promise<string>;
  /** RFC 9449 §7.1: the algorithms a proof may use (the server's DpopSettings.algs), for the challenges' algs. */
  dpopAlgs?: readonly string[];
}

export interface GraphQLContext {
  viewer: Viewer | null;
  /** Session-authenticated requests must prove they come from our pages before mutating (CSRF). */
  csrfOk: boolean;
  koa: KoaContext;
  deps: GraphQLDeps;
  loaders: ReturnType<typeof createLoaders>;
  audit: { userId: number | undefined; ip: string | null; requestId: string | null };
}

/**
 * Per-request batching: N parents asking for their users, clients, grants or tokens become one query each, through
 * the admin store's batch methods (storage/admin-store.ts).
 */
function createLoaders({ admin }: Stores) {
  return {
    user: new DataLoader((ids: readonly number[]) => admin.usersByIds(ids)),
    client: new DataLoader((ids: readonly number[]) => admin.clientsByIds(ids)),
    grantsByClient: new DataLoader((ids: readonly number[]) => admin.liveGrantsOfClients(ids)),
    clientsByOwner: new DataLoader((ids: readonly number[]) => admin.clientsOwnedBy(ids)),
    /** Newest first. */
    liveTokensByGrant: new DataLoader((ids: readonly number[]) => admin.liveTokensOfGrants(ids)),
  };
}

/** RFC 9449 §7: `Authorization: DPoP <token>` with a proof of the key the token is bound to. */
async function dpopViewer(koa: KoaContext, deps: GraphQLDeps): Promise<Viewer> {
  const refused = (error = 'invalid_token', extra?: Record<string, string>) => unauthenticated(dpopChallenge(deps.config.issuer, error, extra, deps.dpopAlgs));
  const token = parseDpopAuthorization(koa.get('authorization'));
  if (!token || !deps.dpopKey) throw refused();
  const tokenHash = hashToken(token);
  const checked = await checkAccessToken(deps.stores.tokens, { hash: tokenHash }, { resource: deps.config.issuer, issuer: deps.config.issuer, scheme: 'dpop' });
  const info = checked.ok ? checked.token : null;
  if (!info || info.userId === null || !info.dpopJkt) throw refused();
  let jkt: string;
  try { jkt = await deps.dpopKey(koa, token); } catch (e) {
    if (!isOAuthError(e)) throw e;
    throw refused(e.error, e.headers['DPoP-Nonce'] ? { 'DPoP-Nonce': e.headers['DPoP-Nonce'] } : undefined);
  }
  if (jkt !== info.dpopJkt) throw refused('invalid_dpop_proof');
  return tokenViewer(info, tokenHash, deps, refused);
}

/**
 * The viewer a user's access token stands for, bearer or DPoP. Core §8.1: not a pairwise client's token: the admin API
 * names the user (id, username, every other client's grants), which would link them across the clients pairwise
 * subjects keep apart (attacker read 20, F1).
 */
async function tokenViewer(info: TokenInfo, tokenHash: string, deps: GraphQLDeps, refused: () => Error): Promise<Viewer> {
  if (info.userId === null) throw refused();
  const [user, client] = await Promise.all([deps.stores.users.findById(info.userId), deps.stores.clients.findByClientId(info.clientId)]);
  if (!user?.isActive || !client) throw refused();
  if (client.subjectType === 'pairwise') throw new GraphQLError('A pairwise client\'s token does not call the admin API: it names the user.', { extensions: { code: 'FORBIDDEN', http: { status: 403 } } });
  const scopes = parseScope(info.scope);
  return { user, isAdmin: user.isAdmin && scopes.includes('admin'), via: 'token', scopes, tokenHash };
}

/**
 * Who is asking: a bearer token (admin rights need the `admin` scope AND an admin user; other users need
 * `read` to query and `write` to mutate), or the browser session of a logged-in user.
 */
export async function buildContext(koa: KoaContext, deps: GraphQLDeps): Promise<GraphQLContext> {
  let viewer: Viewer | null = null;
  let csrfOk = true;
  const bearer = parseBearer(koa.get('authorization'));
  if (usesDpopScheme(koa.get('authorization'))) {
    viewer = await dpopViewer(koa, deps);
  } else if (usesBearerScheme(bearer)) {
    // RFC 6750 §3 / RFC 9728 §5.1: a refused bearer token learns where this resource's metadata is.
    const refused = () => unauthenticated(bearerChallenge(deps.config.issuer));
    if (!bearer.ok) throw refused();
    const tokenHash = hashToken(bearer.token);
    // RFC 8707: the admin API is one of the issuer's; a token asked for another resource never reaches it.
    // RFC 9449 §7.2: a DPoP-bound token is never accepted as a bearer token (whoever stole it has no key).
    const checked = await checkAccessToken(deps.stores.tokens, { hash: tokenHash }, { resource: deps.config.issuer, issuer: deps.config.issuer, scheme: 'bearer' });
    const info = checked.ok ? checked.token : null;
    if (!info || info.userId === null) throw refused();
    viewer = await tokenViewer(info, tokenHash, deps, refused);
  } else if (koa.state.user) {
    const user = koa.state.user as UserRecord;
    viewer = { user, isAdmin: user.isAdmin, via: 'session', scopes: ['admin', 'read', 'write', 'applications'], sessionKey: koa.cookies.get(sessionCookieName(koa), { signed: true }) };
    const sent = koa.get('x-csrf-token');
    const expected = koa.session?.csrf;
    csrfOk = Boolean(sent) && typeof expected === 'string' && timingSafeEqualString(sent, expected);
  }
  return { viewer, csrfOk, koa, deps, loaders: createLoaders(deps.stores), audit: { userId: viewer?.user.id, ip: koa.ip, requestId: koa.state.requestId ?? null } };
}

/**
 * What a call needs: `read` to query, `write` to change the viewer's grants and tokens, `applications` to manage
 * the viewer's registered clients. A token needs that scope (an admin token needs none); `applications` is a
 * privileged scope (oauth2/scope.ts), so the token of an ordinary third-party app never manages the user's own
 * clients. A browser session may do all three, mutations only with its CSRF header.
 */
export type Need = 'read' | 'write' | 'applications';

export function requireViewer(ctx: GraphQLContext, need: Need = 'read'): Viewer {
  if (!ctx.viewer) throw anonymous(ctx);
  const v = ctx.viewer;
  if (need !== 'read' && v.via === 'session' && !ctx.csrfOk) throw forbidden('Mutations from a browser session need the X-CSRF-Token header of that session.');
  if (v.via === 'token' && !v.isAdmin && !v.scopes.includes(need)) throw forbidden(`This token lacks the ${need} scope.`);
  return v;
}

/**
 * Whether what this context was built from still holds: the token is live (not revoked, not expired) or the
 * session not logged out, the user active, and an administrator still one. A subscription asks before it sends on, since its answer outlives the
 * request that authorized it.
 */
export async function stillAuthorized(ctx: GraphQLContext): Promise<boolean> {
  const v = ctx.viewer;
  if (!v) return false;
  if (v.tokenHash !== undefined) {
    const { config } = ctx.deps;
    if (!(await checkAccessToken(ctx.deps.stores.tokens, { hash: v.tokenHash }, { resource: config.issuer, issuer: config.issuer, scheme: 'recheck' })).ok) return false;
  }
  if (v.via === 'session') {
    const session = v.sessionKey === undefined ? undefined : await ctx.deps.sessions.get(v.sessionKey);
    if (session?.userId !== v.user.id) return false;
  }
  const user = await ctx.deps.stores.users.findById(v.user.id);
  return user !== null && user.isActive && (!v.isAdmin || user.isAdmin);
}

export function requireAdmin(ctx: GraphQLContext, need: Need = 'read'): Viewer {
  const v = requireViewer(ctx, need);
  if (!v.isAdmin) throw forbidden('Administrators only.');
  return v;
}
