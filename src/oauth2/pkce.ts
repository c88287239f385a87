import { createHash, timingSafeEqual } from 'node:crypto';
import { InvalidRequest } from './errors.ts';

export type PkceMethod = 'S256' | 'plain';

// RFC 7636 §4.1: code-verifier = 43*128unreserved; §4.2 gives the challenge the same alphabet and length.
const UNRESERVED_43_128 = /^[A-Za-z0-9\-._~]{43,128}$/;

export const isValidVerifier = (v: string): boolean => UNRESERVED_43_128.test(v);
export const isValidChallenge = (c: string): boolean => UNRESERVED_43_128.test(c);

/** RFC 7636 §4.2: BASE64URL-ENCODE(SHA256(ASCII(code_verifier))). */
export const s256 = (verifier: string): string => createHash('sha256').update(verifier, 'ascii').digest('base64url');

/** RFC 7636 §4.6, compared in constant time. */
export function verifyPkce(verifier: string, challenge: string, method: PkceMethod): boolean {
  if (!isValidVerifier(verifier)) return false;
  const a = Buffer.from(method === 'S256' ? s256(verifier) : verifier);
  const b = Buffer.from(challenge);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The method for a request that carries a code_challenge. RFC 7636 §4.3 defaults to `plain`, which this
 * server refuses unless configured (RFC 9700 §2.1.1: use S256); unknown methods are §4.4.1 errors.
 */
export function parseChallengeMethod(m: string | undefined, allowPlain: boolean): PkceMethod {
  if (m === 'S256') return 'S256';
  if (m === undefined || m === 'plain') {
    if (allowPlain) return 'plain';
    throw new InvalidRequest('code_challenge_method must be S256.');
  }
  throw new InvalidRequest('transform algorithm not supported');
}
