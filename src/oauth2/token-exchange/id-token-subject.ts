// RFC 8693 §3 id_token as subject_token: an OpenID Connect ID Token Gatehouse signed for the exchanging client.
import type { GrantRecord, TokenInfo } from '../store.ts';
import { unacceptableToken } from './exchange.ts';

/**
 * An ID Token as subject_token: Gatehouse signed it (`verified`), it is unexpired, its `aud` includes the exchanging
 * client (an ID Token is for its client only), and the client's subjects are public (a pairwise `sub` cannot be
 * turned back into a user). Returns the user it names.
 */
export function idTokenUser(claims: Record<string, unknown> | null, client: { clientId: string; subjectType: string }, now: number): { userId: number; expiresAt: number; issuedAt: number } {
  if (!claims) throw unacceptableToken('The subject_token is not an ID Token issued here.');
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!aud.includes(client.clientId)) throw unacceptableToken('The subject_token was not issued for this client.');
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= now) throw unacceptableToken('The subject_token is invalid, expired or revoked.');
  if (client.subjectType !== 'public' || typeof claims.sub !== 'string' || !/^[1-9][0-9]{0,9}$/.test(claims.sub)) throw unacceptableToken('The subject_token names no user this client can exchange for.');
  if (typeof claims.iat !== 'number') throw unacceptableToken('The subject_token is invalid, expired or revoked.');
  return { userId: Number(claims.sub), expiresAt: claims.exp * 1000, issuedAt: claims.iat };
}

/**
 * An ID Token carries no scope, so the user's live grant to this client (what they consented to) is the ceiling, and
 * the derived token joins that grant (revoking it revokes the token). Seen as a subject access token from here on.
 */
export function idTokenSubject(u: { userId: number; expiresAt: number; issuedAt: number }, user: { username: string; isActive: boolean } | null, grant: GrantRecord | null, client: { id: number; clientId: string }, now: number): TokenInfo {
  if (!user?.isActive || !grant || grant.revokedAt !== null) throw unacceptableToken('The subject_token is invalid, expired or revoked.');
  // An ID Token of an earlier life of the grant (before a revocation and a new consent, which restarts created_at) was
  // revoked with it (attacker read 10, F2); iat counts whole seconds, so a revived grant's life starts at the earliest
  // on the whole second after its revocation's (grantUpsertTx; attacker read 11, F4).
  if (u.issuedAt < Math.floor(grant.createdAt / 1000)) throw unacceptableToken('The subject_token is invalid, expired or revoked.');
  return { kind: 'access', tokenHash: '', applicationId: client.id, userId: u.userId, grantId: grant.id, scope: grant.scope, familyId: null, expiresAt: u.expiresAt, createdAt: now, clientId: client.clientId, username: user.username, revokedAt: null, usedAt: null, resources: [] };
}
