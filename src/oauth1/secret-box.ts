import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

// OAuth 1 HMAC needs the shared secrets in the clear at verification time, so they cannot be hashed like
// OAuth 2 secrets. They are sealed with AES-256-GCM under a server key: a database dump alone reveals nothing.

export function parseKey(key: string): Buffer {
  const buf = /^[0-9a-fA-F]{64}$/.test(key) ? Buffer.from(key, 'hex') : Buffer.from(key, 'base64');
  if (buf.length !== 32) throw new Error('ENCRYPTION_KEY must be 32 bytes');
  return buf;
}

/** `v1$<iv>$<tag>$<ciphertext>`, base64url parts; the version lets the scheme change later. */
export function seal(plain: string, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('$');
}

/**
 * The octets of the value sealed in `sealed`, read off its ciphertext without opening it: AES-GCM's ciphertext is as
 * long as its plaintext, so the length was never hidden and knowing it adds nothing in the clear. Null: not sealed.
 */
export function sealedOctets(sealed: string): number | null {
  const [v, iv, tag, ct] = sealed.split('$');
  return v === 'v1' && iv && tag && ct !== undefined ? Buffer.from(ct, 'base64url').length : null;
}

/** Opens a sealed value; a tampered value or a wrong key throws. */
export function open(sealed: string, key: Buffer): string {
  const [v, iv, tag, ct] = sealed.split('$');
  if (v !== 'v1' || !iv || !tag || ct === undefined) throw new Error('not a sealed secret');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
}
