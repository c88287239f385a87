import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

// People choose passwords, so they get a memory-hard KDF; its parameters are stored with each hash
// (`scrypt$N$r$p$salt$hash`) so they can be raised later without breaking old hashes.
const DEFAULTS = { N: 16384, r: 8, p: 1 };
const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(password: string, params: { N?: number; r?: number; p?: number } = {}): Promise<string> {
  const { N, r, p } = { ...DEFAULTS, ...params };
  const salt = randomBytes(16);
  const key = await derive(password, salt, N, r, p);
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

interface Parsed { N: number; r: number; p: number; salt: Buffer; key: Buffer }

/** The stored hash's parts, or null when it is not one this module could have written. */
function parse(stored: string): Parsed | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [N, r, p] = parts.slice(1, 4).map((x) => (/^[1-9]\d{0,7}$/.test(x) ? Number(x) : NaN));
  // scrypt needs N a power of two above 1; the caps keep a tampered row from costing gigabytes.
  if (!(N > 1 && N <= 2 ** 20 && (N & (N - 1)) === 0 && r <= 32 && p <= 16)) return null;
  const salt = Buffer.from(parts[4], 'base64url');
  const key = Buffer.from(parts[5], 'base64url');
  if (salt.length < 8 || key.length !== KEY_LENGTH) return null;
  return { N, r, p, salt, key };
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const h = parse(stored);
  if (!h) return false;
  try {
    return timingSafeEqual(await derive(password, h.salt, h.N, h.r, h.p), h.key);
  } catch {
    return false;
  }
}

export function needsRehash(stored: string): boolean {
  const h = parse(stored);
  return !h || h.N < DEFAULTS.N || h.r < DEFAULTS.r || h.p < DEFAULTS.p;
}

/**
 * Verified against when the username is unknown, so both paths cost one scrypt run. A random key under a random
 * salt is as good as hashing a random string (no one knows a preimage) and spares start-up a blocking scrypt.
 */
export const DUMMY_PASSWORD_HASH = `scrypt$${DEFAULTS.N}$${DEFAULTS.r}$${DEFAULTS.p}$${randomBytes(16).toString('base64url')}$${randomBytes(KEY_LENGTH).toString('base64url')}`;

export function validatePasswordStrength(pw: string): string | null {
  if (pw.length < 8) return 'Use at least 8 characters.';
  if (pw.length > 1024) return 'Use at most 1024 characters.';
  return null;
}
