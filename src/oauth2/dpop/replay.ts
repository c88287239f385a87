/**
 * RFC 9449 §11.1: a proof's jti is remembered per key for as long as its iat is acceptable, by every instance.
 * Implemented by storage (src/storage/dpop-proof.repository.ts: Redis when REDIS_URL is set, else the database).
 */
export interface DpopReplayStore {
  /**
   * Used by: every DPoP proof check (token endpoint, protected resources). Records (jkt, jti) until `expiresAt`
   * and answers true for the first caller only: the insert is the check (limits consume before they check), so
   * of any number of concurrent presentations exactly one wins.
   */
  remember(jkt: string, jti: string, expiresAt: number): Promise<boolean>;
}
