import { randomBytes } from 'node:crypto';
import { generateOrderedToken, hashToken, timePrefix } from './tokens.ts';
import type { IssuedRows } from './store.ts';

/** RFC 6749 §5.1 successful response body. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token?: string;
  scope: string;
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
}

/**
 * A family id: the time the authorization was made (as ordered tokens start, see tokens.ts) and 128 random bits.
 * Not indexed: revocation finds a family's tokens through their grant (see storage/token.repository.ts).
 */
export const newFamilyId = (now: number) => timePrefix(now) + randomBytes(16).toString('hex');

/** Creates the token strings (returned once) and the hashed rows to store. Pure apart from randomness. */
export function mintTokens(m: MintInput): { rows: IssuedRows; response: TokenResponse } {
  const access = generateOrderedToken(m.now);
  const refresh = m.withRefresh ? generateOrderedToken(m.now) : undefined;
  const familyId = m.familyId ?? (refresh ? newFamilyId(m.now) : null);
  const base = { applicationId: m.applicationId, userId: m.userId, grantId: m.grantId, scope: m.scope, familyId, createdAt: m.now };
  const rows: IssuedRows = { access: { ...base, tokenHash: hashToken(access), expiresAt: m.now + m.accessTtl * 1000 } };
  if (refresh) rows.refresh = { ...base, tokenHash: hashToken(refresh), expiresAt: m.now + m.refreshTtl * 1000 };
  const response: TokenResponse = { access_token: access, token_type: 'Bearer', expires_in: m.accessTtl, scope: m.scope };
  if (refresh) response.refresh_token = refresh;
  return { rows, response };
}
