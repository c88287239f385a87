import { createHash, createHmac, hash, randomBytes, randomFillSync, timingSafeEqual } from 'node:crypto';

// Tokens are cut from a buffer refilled from the CSPRNG 4 KiB at a time (what crypto.randomUUID does): one
// system call per 128 tokens instead of one each. Every byte is used once, then the buffer is refilled.
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

/** 256 bits of randomness (by default), URL-safe. */
export function generateToken(bytes = 32): string {
  if (bytes > 256) return randomBytes(bytes).toString('base64url');
  if (poolOffset + bytes > pool.length) { randomFillSync(pool); poolOffset = 0; }
  const token = pool.toString('base64url', poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return token;
}

// Access tokens, refresh tokens and codes start with the time they were made (milliseconds, base 36, 9 digits:
// fixed width until the year 5188), then 256 random bits. Their lookup key keeps that prefix, so each new key
// lands at the end of the unique index instead of on a random page of it: a commit then writes a handful of
// index pages instead of one per token (measured: 23.6 -> 14.0 µs a token at 40 tokens a commit, a third of
// the WAL written). The prefix says when a token was issued, as created_at does; it adds nothing to guess.
const ORDERED_LENGTH = 9 + 43;
const ORDERED = /^[0-9a-z]{9}[\w-]{43}$/;

/** A time as the 9-character base-36 prefix that ordered tokens and family ids begin with. */
export const timePrefix = (ms: number): string => ms.toString(36).padStart(9, '0');

/** An access token, refresh token or authorization code: time prefix + 256 random bits (52 characters). */
export function generateOrderedToken(now = Date.now()): string {
  return timePrefix(now) + generateToken(32);
}

/**
 * The lookup key stored in a unique column; the token itself is never stored. SHA-256 hex, or for ordered tokens
 * their time prefix and the first 220 bits of it (64 characters either way, the column's width).
 */
export function hashToken(token: string): string {
  // crypto.hash is the one-shot form (no Hash object per call): a third of createHash's cost on every lookup.
  const digest = hash('sha256', token, 'hex');
  if (token.length === ORDERED_LENGTH && ORDERED.test(token)) return token.slice(0, 9) + digest.slice(0, 55);
  const prefix = jwtTimePrefix(token);
  return prefix === null ? digest : prefix + digest.slice(0, 55);
}

// An RFC 9068 access token (src/oidc/access-token.ts) puts its jti, an ordered token, first in the payload: the
// payload segment then opens with the base64url of {"jti":" and the jti's time prefix. Its lookup key keeps that
// prefix as an opaque token's does, for the same reason (measured: the JWT path's commit cost fell back to the
// opaque one's, docs/performance.md). The digest still covers the whole JWT.
const JTI_FIRST = /^\{"jti":"[0-9a-z]{9}/;

/** The time prefix of the jti that opens a JWT's payload, or null (another token, or another payload). */
function jwtTimePrefix(token: string): string | null {
  const dot = token.indexOf('.');
  if (dot < 0) return null;
  // 24 base64url characters are 18 bytes: {"jti":" (8), the prefix (9) and one more.
  const head = Buffer.from(token.slice(dot + 1, dot + 25), 'base64url').toString('latin1');
  return JTI_FIRST.test(head) ? head.slice(8, 17) : null;
}

export const generateClientId = (): string => randomBytes(18).toString('base64url');

/**
 * Random bytes in a client secret: 48, i.e. 64 base64url characters = 64 octets, so that every secret issued keys
 * HS512 as well as HS256 for client_secret_jwt (RFC 7518 §3.2: the key at least as long as the hash, 64 octets for
 * HS512). Secrets issued before issue 22 had 32 bytes (43 characters) and fit HS256 only.
 */
export const CLIENT_SECRET_OCTETS = 48;

export const generateClientSecret = (): string => randomBytes(CLIENT_SECRET_OCTETS).toString('base64url');

/**
 * Client secrets are generated here with 384 bits of entropy, so a slow KDF adds nothing against brute force;
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
