import { InvalidGrant } from '../errors.ts';

/** An RFC 7638 SHA-256 thumbprint, base64url without padding (43 characters): dpop_jkt's form (RFC 9449 §10). */
export const isJkt = (v: unknown): v is string => typeof v === 'string' && /^[A-Za-z0-9_-]{43}$/.test(v);

/**
 * RFC 9449 §5, §10: a code bound with dpop_jkt, or a refresh token bound to a key, is spent only with a proof of
 * that key; any other (or none) is invalid_grant.
 */
export function checkBoundKey(bound: string | null | undefined, presented: string | undefined, what: 'code' | 'refresh token'): void {
  if (!bound) return;
  if (presented !== bound) {
    throw new InvalidGrant(`The ${what} is bound to another DPoP key${presented ? '' : ' and needs a DPoP proof'}.`, { reason: 'dpop_key_mismatch' });
  }
}

/**
 * RFC 9449 §5: what a token request with a verified proof binds. The access token always; the refresh token only
 * for a public client ("Refresh tokens issued to confidential clients are not bound to the DPoP proof public key
 * because they are already sender-constrained with a different existing mechanism").
 */
export function dpopBinding(jkt: string | undefined, client: { clientType: string }): { dpopJkt?: string; refreshJkt?: string | null } {
  if (!jkt) return {};
  return { dpopJkt: jkt, refreshJkt: client.clientType === 'public' ? jkt : null };
}
