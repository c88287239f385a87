// RFC 8693 §2: the checks of a token exchange request, pure (the grant in grants/token-exchange.ts reads the tokens
// and the catalog, then calls these). Errors per §2.2.2.
import { InvalidRequest, InvalidScope, InvalidTarget, UnauthorizedClient } from '../errors.ts';
import { audienceOf, canonicalResource, lookUpResources, parseResourceParam, scopeForResources, type Audience, type ResourceCatalog } from '../resources.ts';
import { isLive } from '../introspection.ts';
import { parseScope } from '../scope.ts';
import type { TokenInfo } from '../store.ts';
import { actDepth, delegatedAct, MAX_ACT_DEPTH, type ActClaim } from './act.ts';
import type { TokenExchangePolicy } from './policy.ts';
import { INPUT_TOKEN_TYPES, OUTPUT_TOKEN_TYPES, TOKEN_TYPE } from './token-types.ts';

/**
 * RFC 8693 §2.2.2: "if either the subject_token or actor_token are invalid for any reason, or are unacceptable based
 * on policy ... the value of the error parameter MUST be the invalid_request error code" (not RFC 6749's invalid_grant).
 */
export const unacceptableToken = (message: string) => new InvalidRequest(message);

export interface ExchangeRequest {
  subjectToken: string;
  /** An ID Token (validated with Gatehouse's keys) rather than an access token. */
  subjectIsIdToken: boolean;
  actorToken: string | null;
  /** RFC 8693 §2.1 requested_token_type; absent: an access token. */
  requested: string;
}

/** §2.1: the parameters' presence and token types, before any lookup. */
export function parseExchangeRequest(p: Record<string, string>): ExchangeRequest {
  // RFC 8693 §2.1: subject_token and subject_token_type are REQUIRED.
  if (!p.subject_token || !p.subject_token_type) throw new InvalidRequest('subject_token and subject_token_type are required.');
  const subjectIsIdToken = p.subject_token_type === TOKEN_TYPE.idToken;
  if (!subjectIsIdToken) checkInputType(p.subject_token_type, 'subject_token_type');
  // RFC 8693 §2.1: actor_token_type is REQUIRED when actor_token is present, and MUST NOT be included otherwise.
  if ((p.actor_token === undefined) !== (p.actor_token_type === undefined)) throw new InvalidRequest('actor_token and actor_token_type go together.');
  if (p.actor_token_type !== undefined) checkInputType(p.actor_token_type, 'actor_token_type');
  const requested = p.requested_token_type ?? TOKEN_TYPE.accessToken;
  if (!OUTPUT_TOKEN_TYPES.has(requested)) throw new InvalidRequest('requested_token_type must be urn:ietf:params:oauth:token-type:access_token or :jwt.');
  return { subjectToken: p.subject_token, subjectIsIdToken, actorToken: p.actor_token ?? null, requested };
}

function checkInputType(type: string, name: string): void {
  if (INPUT_TOKEN_TYPES.has(type)) return;
  if (type === TOKEN_TYPE.refreshToken) throw new InvalidRequest(`${name}: refresh tokens are not exchanged; use the refresh_token grant.`);
  if (type === TOKEN_TYPE.idToken) throw new InvalidRequest(`${name}: ID Tokens are not accepted as subject or actor tokens.`);
  throw new InvalidRequest(`${name} is not a token type this server accepts.`);
}

/** The exchanging client's policy, or unauthorized_client (§2.2.2: the client is not authorized for this request). */
export function policyFor(client: { tokenExchange?: TokenExchangePolicy | null; registered: string; clientType: string }, delegation: boolean): TokenExchangePolicy {
  const policy = client.registered === 'owner' && client.clientType === 'confidential' ? client.tokenExchange : null;
  if (!policy) throw new UnauthorizedClient('This client may not exchange tokens.');
  if (delegation && !policy.delegation) throw new UnauthorizedClient('This client may not exchange tokens with an actor_token (delegation).');
  if (!delegation && !policy.impersonation) throw new UnauthorizedClient('This client may not exchange tokens without an actor_token (impersonation).');
  return policy;
}

/**
 * The subject token: a live Gatehouse access token for a user (§2.2.2 invalid_request otherwise), and one this client
 * may hold: issued to it, or for a resource server it is (policy.subjectAudiences). A token for Gatehouse's own APIs
 * or another resource server, issued to someone else, is refused: a stolen token buys nothing here.
 */
export function checkSubject(t: TokenInfo | null, clientId: string, policy: TokenExchangePolicy, now: number, proofJkt?: string): TokenInfo & { userId: number } {
  if (!t || t.kind !== 'access' || !isLive(t, now)) throw unacceptableToken('The subject_token is invalid, expired or revoked.');
  checkPossession(t, proofJkt, 'subject_token');
  if (t.userId === null) throw unacceptableToken('The subject_token has no end-user subject.');
  const own = t.clientId === clientId;
  if (!own && !(t.resources ?? []).some((r) => policy.subjectAudiences.includes(r))) throw unacceptableToken('The subject_token was not issued for this client.');
  if (actDepth(t.act) >= MAX_ACT_DEPTH) throw unacceptableToken('The subject_token has been delegated too many times.');
  return t as TokenInfo & { userId: number };
}

/**
 * RFC 9449 §7.2 by analogy: a DPoP-bound token is usable only with a proof of its key. Presented as a subject or actor
 * token, it needs the token request's proof to be made with that key; otherwise a stolen bound token would be
 * exchanged for one bound to the thief's key (or a bearer token).
 */
function checkPossession(t: TokenInfo, proofJkt: string | undefined, name: string): void {
  if (t.dpopJkt && t.dpopJkt !== proofJkt) throw unacceptableToken(`The ${name} is bound to a DPoP key: the request's DPoP proof must be made with that key.`);
}

/** The actor token: a live access token of this client or of one the policy lists, acting for itself (client_credentials). */
export function checkActor(t: TokenInfo | null, clientId: string, policy: TokenExchangePolicy, now: number, proofJkt?: string): TokenInfo {
  if (!t || t.kind !== 'access' || !isLive(t, now)) throw unacceptableToken('The actor_token is invalid, expired or revoked.');
  checkPossession(t, proofJkt, 'actor_token');
  if (t.clientId !== clientId && !policy.actorClients.includes(t.clientId)) throw unacceptableToken('The actor_token was not issued to this client or to a client allowed to act through it.');
  if (t.userId !== null) throw unacceptableToken('The actor_token must be a client\'s own token (client_credentials).');
  return t;
}

/** §4.1: the new token's act. Impersonation keeps the subject token's chain: an exchange never launders a delegation away. */
export const actFor = (subject: TokenInfo, actor: TokenInfo | null): ActClaim | null => (actor ? delegatedAct(actor.clientId, subject.act) : subject.act ?? null);

/**
 * §2.1 resource and audience: the targets, each a registered resource (or the issuer) the policy allows
 * (invalid_target otherwise). `audience` values are resource identifiers here (the logical names Gatehouse knows
 * are its resource servers'). None asked: the subject token's own audience, which the policy must allow too.
 */
export function decideTargets(p: { resource?: string; audience?: string }, subject: TokenInfo, policy: TokenExchangePolicy, catalog: ResourceCatalog): string[] {
  const asked = [...parseResourceParam(p.resource)];
  for (const a of (p.audience ?? '').split(' ').filter(Boolean)) {
    const c = canonicalResource(a);
    if (c === null || !catalog.get(c)) throw new InvalidTarget('The audience is not a resource server known to this authorization server.');
    if (!asked.includes(c)) asked.push(c);
  }
  const targets = asked.length ? asked : subject.resources?.length ? [...subject.resources] : [catalog.builtIn];
  lookUpResources(targets, catalog);
  const refused = targets.find((t) => !policy.audiences.includes(t));
  if (refused !== undefined) throw new InvalidTarget('This client may not exchange tokens for that audience.');
  return targets;
}

/**
 * The scope: asked for, a subset of the subject token's and of the client's allowed scopes (invalid_scope); not
 * asked for, the subject's narrowed to what the client may hold. Then narrowed to the targets (RFC 8707).
 */
export function decideScope(requested: string | undefined, subject: TokenInfo, allowed: readonly string[], targets: readonly string[], catalog: ResourceCatalog): string[] {
  const subjectScopes = parseScope(subject.scope);
  const asked = parseScope(requested);
  let scopes: string[];
  if (asked.length) {
    const bad = asked.find((s) => !subjectScopes.includes(s) || !allowed.includes(s));
    if (bad !== undefined) throw new InvalidScope(`The scope "${bad.slice(0, 40)}" exceeds the subject_token's or this client's.`);
    scopes = asked;
  } else {
    scopes = subjectScopes.filter((s) => allowed.includes(s));
  }
  return scopeForResources(scopes, lookUpResources(targets, catalog), asked.length > 0);
}

/**
 * The audience with its lifetime: never beyond the subject token (or the actor token) — an exchanged token must not
 * outlive what it was derived from. A JWT when asked for (requested_token_type jwt).
 */
export function exchangedAudience(targets: readonly string[], catalog: ResourceCatalog, defaultTtl: number, bounds: readonly TokenInfo[], now: number, jwt: boolean): Audience {
  const base = audienceOf(lookUpResources(targets, catalog))!;
  const remaining = Math.min(...bounds.map((t) => Math.floor((t.expiresAt - now) / 1000)));
  if (remaining < 1) throw unacceptableToken('The subject_token is about to expire.');
  return { ...base, format: jwt ? 'jwt' : base.format, ttl: Math.min(base.ttl ?? defaultTtl, remaining) };
}
