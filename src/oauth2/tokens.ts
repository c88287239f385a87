import { createHash, createHmac, hash, randomBytes, randomFillSync, timingSafeEqual } from 'node:crypto';

// Tokens are cut from a buffer refilled from the CSPRNG 4 KiB at a time (what crypto.randomUUID does): one
// system call per 128 tokens instead of one each. Every byte is used once, then the buffer is refilled.
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

/** 256 bits of randomness, URL-safe. Codes, access and refresh tokens are all of this kind. */
export function generateToken(bytes = 32): string {
  if (bytes > 256) return randomBytes(bytes).toString('base64url');
  if (poolOffset + bytes > pool.length) { randomFillSync(pool); poolOffset = 0; }
  const token = pool.toString('base64url', poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return token;
}

/** The lookup key stored in a unique column: SHA-256 hex. The token itself is never stored. */
// crypto.hash is the one-shot form (no Hash object per call): a third of createHash's cost on every lookup.
export const hashToken = (token: string): string => hash('sha256', token, 'hex');

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
  // Same length (the usual case: a value of a fixed format): compare the bytes directly, in constant time.
  if (a.length === b.length) {
    const ba = Buffer.from(a);
    const bb = Buffer.from(b);
    if (ba.length === bb.length) return timingSafeEqual(ba, bb);
  }
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}
