import { randomBytes } from 'node:crypto';
import { InvalidGrant } from './errors.ts';
import { generateOrderedToken, hashToken, timePrefix } from './tokens.ts';
import type { AccessTokenFormat, ClientRecord, EventSink, GrantStore, IssuedRows, LoginFacts, SubjectClient, TokenStore } from './store.ts';
import type { Audience } from './resources.ts';
import type { ActClaim } from './token-exchange/act.ts';
import { dpopBinding } from './dpop/binding.ts';
import { mintInTurn } from './mint-turn.ts';

/** RFC 6749 §5.1 successful response body. */
export interface TokenResponse {
  access_token: string;
  /** RFC 9449 §5: DPoP when the access token is bound to the proof's key. */
  token_type: 'Bearer' | 'DPoP';
  expires_in: number;
  refresh_token?: string;
  /** RFC 6749 §5.1; left out when nothing is granted (§3.3 has no empty scope value). */
  scope?: string;
  /** OpenID Connect Core §3.1.3.3: with scope openid. */
  id_token?: string;
  /** RFC 8693 §2.2.1: what a token exchange issued. */
  issued_token_type?: string;
}

export interface MintInput {
  applicationId: number;
  userId: number | null;
  grantId: number | null;
  scope: string;
  /** Tokens from one authorization share a family; null for client_credentials. */
  familyId: string | null;
  withRefresh: boolean;
  accessTtl: number;
  refreshTtl: number;
  now: number;
  /** How the access token is written, decided for the client before any store transaction (tokenWriter). */
  writer: TokenWriter;
  /** When the user logged in (epoch ms), for a JWT access token's auth_time; null or absent when unknown. */
  authTime?: number | null;
  /** OpenID Connect Core §12.2: the login a refresh token carries on, for the ID Tokens of later refreshes. */
  login?: LoginFacts;
  /** RFC 8707: the resources the access token is for (its audience, format and lifetime); absent, Gatehouse's own. */
  audience?: Audience;
  /** RFC 8707: the resources granted, kept on the refresh token so a refresh may narrow and widen again; default the audience's. */
  grantedResources?: readonly string[];
  /** RFC 9449 §5: the access token is bound to this DPoP key (token_type DPoP, cnf.jkt); absent, a bearer token. */
  dpopJkt?: string;
  /** RFC 9449 §5: the refresh token is bound to this key too (public clients); a confidential client's is not. */
  refreshJkt?: string | null;
  /** RFC 8693 §4.1: the actor of a delegated token exchange (the JWT's act, introspection's act). */
  act?: ActClaim | null;
  /** RFC 8693: the subject access token's hash, when this is a token exchange's; revoking that one revokes this. */
  exchangedFrom?: string;
}

/** What an RFC 9068 access token says, from the issuance (src/oidc/access-token.ts turns it into claims). */
export interface AccessTokenInput { clientId: string; userId: number | null; scope: string; authTime: number | null; jti: string; now: number; ttl: number; /** RFC 8707 resources: the JWT's aud; empty, the issuer. */ resources?: readonly string[]; /** RFC 8693 §4.1. */ act?: ActClaim | null; /** RFC 9449 §6.1: cnf.jkt. */ jkt?: string }
/** Signs synchronously: a store's transaction (redeemCode, rotateRefreshToken) runs `decide` without awaiting. */
export type AccessTokenSigner = (i: AccessTokenInput) => string;
export interface JwtAccessTokens {
  /** Used by: every grant, before minting: the signer of the current key. */
  signer(client: SubjectClient): Promise<AccessTokenSigner>;
}
/**
 * A client's access-token format, ready for the synchronous mint: `jwt` holds the signer when the client chose jwt,
 * or when a resource it may ask for does (RFC 8707: a resource server's own format wins).
 */
export interface TokenWriter {
  clientId: string; format: AccessTokenFormat; jwt?: AccessTokenSigner;
  /** RFC 9449 §5: a public client's refresh token is bound with its access token, a confidential client's is not. */
  clientType: string;
  /** Issue 21: the client's own lifetimes (seconds) an administrator set; null: the server's. */
  accessTtl?: number | null; refreshTtl?: number | null;
}

/**
 * A client's own lifetime as it counts when a token or code is made: at most the server's current maximum, which an
 * operator may have lowered since an administrator set it (a JWT living longer would also outlive its signing key's
 * retention, oidc/access-token.ts longestSignedLifetime). null: the server's default lifetime.
 */
export const clientLifetime = (own: number | null | undefined, max: number): number | null => (own == null ? null : Math.min(own, max));

/**
 * The one decision of how a client's access tokens are written (RFC 9068 JWT or opaque). Awaited before minting,
 * so mintTokens stays synchronous inside a store's transaction.
 */
export async function tokenWriter(ctx: Pick<IssueContext, 'accessTokens' | 'settings'>, client: Pick<ClientRecord, 'clientId' | 'accessTokenFormat' | 'clientType'> & Partial<Pick<ClientRecord, 'accessTokenLifetime' | 'refreshTokenLifetime'>> & SubjectClient, resourceMayNeedJwt = false): Promise<TokenWriter> {
  const format = client.accessTokenFormat;
  const lifetimes = { accessTtl: clientLifetime(client.accessTokenLifetime, ctx.settings.accessTokenMaxLifetime), refreshTtl: clientLifetime(client.refreshTokenLifetime, ctx.settings.refreshTokenMaxLifetime) };
  const base = { clientId: client.clientId, clientType: client.clientType, format, ...lifetimes };
  if ((format !== 'jwt' && !resourceMayNeedJwt) || !ctx.accessTokens) return base;
  return { ...base, jwt: await ctx.accessTokens.signer(client) };
}

/**
 * A family id: the time the authorization was made (as ordered tokens start, see tokens.ts) and 128 random bits.
 * Not indexed: revocation finds a family's tokens through their grant (see storage/token.repository.ts).
 */
export const newFamilyId = (now: number) => timePrefix(now) + randomBytes(16).toString('hex');

/**
 * The signer of an issuance's access token, or undefined for an opaque one. RFC 8707: a resource server's own format
 * when one is asked for; otherwise the client's. Used by mintTokens, and by issueAndRecord to mint JWTs in turns.
 */
const jwtSignerOf = (m: Pick<MintInput, 'audience' | 'writer'>) => ((m.audience?.format ?? m.writer.format) === 'jwt' ? m.writer.jwt : undefined);

/** Creates the token strings (returned once) and the hashed rows to store. Pure apart from randomness. */
export function mintTokens(m: MintInput): { rows: IssuedRows; response: TokenResponse } {
  const opaque = generateOrderedToken(m.now);
  const resources = m.audience?.resources ?? [];
  const accessTtl = m.audience?.ttl ?? m.accessTtl;
  // RFC 9068 §2.2: the random token becomes the JWT's jti; the JWT itself is what is hashed and stored, so
  // introspection, revocation and bearer checks find it exactly as they find an opaque token.
  const signer = jwtSignerOf(m);
  const access = signer
    ? signer({ clientId: m.writer.clientId, userId: m.userId, scope: m.scope, authTime: m.authTime ?? null, jti: opaque, now: m.now, ttl: accessTtl, resources, act: m.act ?? null, jkt: m.dpopJkt })
    : opaque;
  const refresh = m.withRefresh ? generateOrderedToken(m.now) : undefined;
  const familyId = m.familyId ?? (refresh ? newFamilyId(m.now) : null);
  const base = { applicationId: m.applicationId, userId: m.userId, grantId: m.grantId, scope: m.scope, familyId, createdAt: m.now };
  const rows: IssuedRows = { access: { ...base, tokenHash: hashToken(access), expiresAt: m.now + accessTtl * 1000, resources, dpopJkt: m.dpopJkt ?? null, ...(m.act ? { act: m.act } : {}), ...(m.exchangedFrom ? { exchangedFrom: m.exchangedFrom } : {}) } };
  if (refresh) rows.refresh = { ...base, tokenHash: hashToken(refresh), expiresAt: m.now + m.refreshTtl * 1000, login: m.login, resources: [...(m.grantedResources ?? resources)], dpopJkt: m.refreshJkt ?? null };
  const response: TokenResponse = { access_token: access, token_type: m.dpopJkt ? 'DPoP' : 'Bearer', expires_in: accessTtl, ...(m.scope ? { scope: m.scope } : {}) };
  if (refresh) response.refresh_token = refresh;
  return { rows, response };
}

/** What issuing needs: a grant's context (grants/context.ts) and the authorization endpoint's (approve.ts) both fit. */
export interface IssueContext {
  tokens: Pick<TokenStore, 'issue'>;
  grants: Pick<GrantStore, 'touch'>;
  events: EventSink;
  /** Issue 21: the maxima bound a client's own lifetimes (client-registration/tokens.ts clientLifetime). */
  settings: { accessTokenTtl: number; refreshTokenTtl: number; accessTokenMaxLifetime: number; refreshTokenMaxLifetime: number };
  /** RFC 9068 JWT access tokens (src/oidc/access-token.ts); absent, every client gets opaque tokens. */
  accessTokens?: JwtAccessTokens;
  /** RFC 9449: the thumbprint of the request's verified DPoP proof; absent, no proof was sent (or no token endpoint). */
  dpopJkt?: string;
  now: number;
  audit: { ip: string | null; requestId: string | null };
}

/** Whose tokens these are; lifetimes and the time come from the context. */
export type Issuance = Omit<MintInput, 'accessTtl' | 'refreshTtl' | 'now'>;

/**
 * mintTokens with the lifetimes and the DPoP binding: the client's own when an administrator set them (issue 21, held by its writer),
 * else the server's. (A resource's own access-token lifetime still wins in mintTokens, RFC 8707.) For a store that
 * saves the rows itself (redeemCode, rotateRefreshToken), and through issueAndRecord for every other grant.
 */
export const mintFor = (ctx: IssueContext, i: Issuance) =>
  // RFC 9449 §5: a verified proof binds what every grant issues ("applicable for all access token requests regardless
  // of grant type"), decided here once rather than in each grant (token exchange once forgot it).
  mintTokens({ ...i, ...dpopBinding(ctx.dpopJkt, { clientType: i.writer.clientType }), audience: heldToMaximum(i.audience, ctx.settings.accessTokenMaxLifetime), accessTtl: i.writer.accessTtl ?? ctx.settings.accessTokenTtl, refreshTtl: i.writer.refreshTtl ?? ctx.settings.refreshTokenTtl, now: ctx.now });

/**
 * ACCESS_TOKEN_MAX_LIFETIME bounds a resource server's own lifetime (up to RESOURCE_ACCESS_TOKEN_MAX_TTL) as it bounds a
 * client's: one set under a higher maximum kept minting day-long tokens after the operator lowered it (attacker read 16, F6).
 */
const heldToMaximum = (a: Audience | undefined, max: number): Audience | undefined => (a?.ttl != null && a.ttl > max ? { ...a, ttl: max } : a);

/**
 * The one ending of every grant that issues without spending anything (client_credentials, password, implicit, token
 * exchange): mint, store the rows and record `token.issued` — only once they are stored. Rows standing on nothing that
 * can end (client_credentials) are never refused (TokenStore.issue), so they and the audit row are queued together
 * and share one commit (storage/sql-sqlite.ts and pg-coalesced-inserts.ts, group commit): the hot path keeps one
 * commit, and a token is never issued unrecorded. Rows under a grant or an actor may be refused (RevokedMeanwhile):
 * their event waits for them, so a refused issuance is never audited as issued (second read 11).
 */
export async function issueAndRecord(ctx: IssueContext, i: Issuance, event: { clientId: string; grant: string }): Promise<TokenResponse> {
  const { rows, response } = jwtSignerOf(i) ? await mintInTurn(() => mintFor(ctx, i)) : mintFor(ctx, i);
  const issued = () => ctx.events.record({ type: 'token.issued', clientId: event.clientId, userId: i.userId, ...ctx.audit, detail: { grant: event.grant, scope: i.scope, ...(i.audience ? { resource: i.audience.resources } : {}) } });
  if (mayBeRefused(rows)) {
    await ctx.tokens.issue(rows);
    await issued();
  } else {
    await Promise.all([ctx.tokens.issue(rows), issued()]);
  }
  return response;
}

/** Whether TokenStore.issue may refuse these rows: they stand on a grant or an actor that can end meanwhile. */
const mayBeRefused = (rows: IssuedRows) => rows.access.grantId !== null || Boolean(rows.access.act);

/**
 * The ending of a grant whose store already saved the rows while spending a code or a refresh token: the grant is
 * marked used and the event recorded, together (one commit, as above).
 */
export async function recordRedeemed(ctx: IssueContext, r: { type: 'token.issued' | 'token.refreshed'; clientId: string; userId: number | null; grantId: number | null; detail: Record<string, unknown> }): Promise<void> {
  await Promise.all([
    r.grantId !== null ? ctx.grants.touch(r.grantId, ctx.now) : undefined,
    ctx.events.record({ type: r.type, clientId: r.clientId, userId: r.userId, ...ctx.audit, detail: r.detail }),
  ]);
}

/**
 * A code or refresh token that could not be spent. Presented again, the store has already revoked every token of
 * its family (RFC 6749 §4.1.2, RFC 9700 §4.14.2) and the reuse is recorded; unknown, it is simply refused. Either
 * way the answer is invalid_grant.
 */
export async function refuseUnspent(ctx: Pick<IssueContext, 'events' | 'audit'>, reason: 'not_found' | 'reused', r: { clientId: string; grant: string; reused: string; invalid: string }): Promise<never> {
  if (reason === 'reused') {
    await ctx.events.record({ type: 'token.reuse_detected', clientId: r.clientId, ...ctx.audit, detail: { grant: r.grant } });
    throw new InvalidGrant(r.reused, { reason: r.grant === 'refresh_token' ? 'refresh_token_reused' : 'code_reused' });
  }
  throw new InvalidGrant(r.invalid, { reason: r.grant === 'refresh_token' ? 'invalid_refresh_token' : 'code_invalid' });
}
