import type { ClientRecord } from './client-record.ts';

/** An RFC 7591 §3 initial access token as administrators see it: never the token, never its hash. */
export interface InitialAccessTokenInfo { id: number; singleUse: boolean; expiresAt: number | null; createdAt: number; uses: number; lastUsedAt: number | null; createdBy: number | null }

/** RFC 7591 / RFC 7592: the dynamic registration's own secrets, stored as SHA-256 only. */
export interface RegistrationStore {
  /** Used by: RFC 7592 read/update/delete (the bearer names its one client). */
  findByRegistrationTokenHash(tokenHash: string): Promise<ClientRecord | null>;
  /** Used by: RFC 7592 update (the registration access token rotates): false when `from` is no longer the current one. */
  rotateRegistrationTokenHash(id: number, from: string, to: string): Promise<boolean>;
  /** Used by: GraphQL createInitialAccessToken, CLI createinitialtoken. Answers the token's id (to list or revoke it). */
  createInitialAccessToken(data: { tokenHash: string; singleUse: boolean; expiresAt: number | null; createdBy: number | null }): Promise<number>;
  /** Used by: GraphQL initialAccessTokens, CLI listinitialtokens. The newest first, at most `first`; never the token or its hash. */
  initialAccessTokens(first: number): Promise<InitialAccessTokenInfo[]>;
  /** Used by: GraphQL revokeInitialAccessToken, CLI revokeinitialtoken. False when there was none. */
  revokeInitialAccessToken(id: number): Promise<boolean>;
  /** Used by: registration with REGISTRATION=token, before validating: true when the token is valid now. Spends nothing. */
  initialAccessTokenUsable(tokenHash: string, now: number): Promise<boolean>;
  /** Used by: registration with REGISTRATION=token, once the client row exists. True when the token is valid now; a single-use one is spent atomically. */
  spendInitialAccessToken(tokenHash: string, now: number): Promise<boolean>;
  /** Used by: registration, the owner of dynamically registered clients (a reserved user that cannot sign in). */
  systemOwner(): Promise<number>;
}
