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
