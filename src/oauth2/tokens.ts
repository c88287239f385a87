import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** 256 bits of randomness, URL-safe. Codes, access and refresh tokens are all of this kind. */
export const generateToken = (bytes = 32): string => randomBytes(bytes).toString('base64url');

/** The lookup key stored in a unique column: SHA-256 hex. The token itself is never stored. */
export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export const generateClientId = (): string => randomBytes(18).toString('base64url');

export const generateClientSecret = (): string => randomBytes(32).toString('base64url');

/**
 * Client secrets are generated here with 256 bits of entropy, so a slow KDF adds nothing against brute force;
 * HMAC-SHA-256 under a server-side pepper means a stolen database alone cannot even check a guess.
 */
export function hashClientSecret(secret: string, pepper: string | Buffer): string {
  return `hmac-sha256$${createHmac('sha256', pepper).update(secret).digest('base64url')}`;
}

export function verifyClientSecret(secret: string, stored: string, pepper: string | Buffer): boolean {
  if (!stored.startsWith('hmac-sha256$')) return false;
  return timingSafeEqualString(hashClientSecret(secret, pepper), stored);
}

/** Constant-time string comparison that neither throws nor leaks on unequal lengths. */
export function timingSafeEqualString(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}
