export interface GrantRecord {
  id: number;
  userId: number;
  applicationId: number;
  scope: string;
  /** OpenID Connect Core §5.5: claims the user agreed to share at UserInfo beyond the scopes', space-separated. */
  claims: string;
  /**
   * Issue 20: the redirect origins (redirect-uri.ts consentOrigin) the user consented to send this client's answers
   * to; null for a grant from before this was recorded (an ordinary client's such grant is not checked).
   */
  consentedOrigins: string[] | null;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export interface GrantStore {
  /** Used by: authorize (skip consent for scopes already granted). */
  find(userId: number, applicationId: number): Promise<GrantRecord | null>;
  /**
   * Used by: consent (records or widens the user's grant to the client); `claims` undefined keeps the grant's;
   * `origins` are added to the consented redirect origins (undefined keeps them; a new or revived grant starts empty).
   */
  upsert(userId: number, applicationId: number, scope: string, now: number, claims?: string, origins?: string[]): Promise<GrantRecord>;
  /** Used by: UserInfo (the claims the user agreed to share beyond the scopes'). */
  claimsOf(id: number): Promise<string>;
  /** Used by: authorized applications page. */
  listForUser(userId: number): Promise<(GrantRecord & { clientName: string; clientId: string })[]>;
  /** Used by: token issuance (last used). */
  touch(id: number, now: number): Promise<void>;
}
