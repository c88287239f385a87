export interface ConsumerRecord {
  applicationId: number;
  consumerKey: string;
  /** Opened from its sealed form; '' when the consumer signs only with RSA. */
  consumerSecret: string;
  rsaPublicKey: string | null;
  callbackUris: string[];
}

export interface TokenCredentials {
  token: string;
  secret: string;
  kind: 'temporary' | 'access';
  applicationId: number;
  userId: number | null;
  grantId: number | null;
  expiresAt: number | null;
  revoked: boolean;
  callback?: string;
}

export interface OAuth1Stores {
  /** Used by: every signed request. null when unknown or not enabled for OAuth 1. */
  findConsumer(consumerKey: string): Promise<ConsumerRecord | null>;
  /** Used by: requests carrying oauth_token. */
  findToken(token: string): Promise<TokenCredentials | null>;
  /** Used by: replay protection (RFC 5849 §3.3). False when already seen; atomic (unique index). */
  rememberNonce(consumerKey: string, token: string, timestamp: number, nonce: string, expiresAt: number): Promise<boolean>;
}

/** The three-legged flow's writes (RFC 5849 §2), on top of what verification reads. */
export interface OAuth1FlowStore extends OAuth1Stores {
  /** Used by: temporary credentials (§2.1). Secrets are sealed at rest. */
  createTemporary(o: { token: string; secret: string; applicationId: number; callback: string; expiresAt: number }): Promise<void>;
  /** Used by: resource owner authorization (§2.2), the user approved. False when already answered, spent or refused. */
  approveTemporary(token: string, userId: number, verifier: string, grantId: number): Promise<boolean>;
  /** Used by: resource owner authorization (§2.2), the user refused. */
  refuseTemporary(token: string): Promise<void>;
  /**
   * Used by: token credentials (§2.3). Spends the temporary credentials and stores the token credentials atomically;
   * null when the verifier is wrong or the temporary credentials were already spent, refused or never approved.
   */
  exchange(o: { temporary: string; verifier: string; token: string; secret: string; now: number }): Promise<{ userId: number; applicationId: number } | null>;
}
