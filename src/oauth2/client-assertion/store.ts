// Storage the client-assertion core needs; src/storage implements it (Redis when REDIS_URL is set, else a table).

/** RFC 7523 §3 item 7: a jti is accepted once, until its assertion expires, by every instance. */
export interface AssertionReplayStore {
  /**
   * Used by: JWT client authentication (token, introspection, revocation, PAR, device authorization). True for the
   * first caller with this (client, jti) before `expiresAt` (epoch ms: when the assertion stops being accepted), false for every later or concurrent one.
   */
  spend(clientId: string, jti: string, expiresAt: number): Promise<boolean>;
}
