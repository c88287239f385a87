import { createHmac, createPublicKey, timingSafeEqual, createSign, createVerify, type KeyObject } from 'node:crypto';
import { rsaKeyProblem } from '../oauth2/client-assertion/algorithms.ts';
import { boundedMemo } from '../oauth2/bounded-memo.ts';
import { percentEncode } from './encoding.ts';
import { baseStringUri } from './params.ts';

export type SignatureMethod = 'HMAC-SHA1' | 'HMAC-SHA256' | 'RSA-SHA1' | 'PLAINTEXT';
export const SIGNATURE_METHODS: readonly SignatureMethod[] = ['HMAC-SHA1', 'HMAC-SHA256', 'RSA-SHA1', 'PLAINTEXT'];

/** RFC 5849 §3.4.1.3.2: encode, sort by name then value, join; oauth_signature itself is left out. */
export function normalizeParameters(params: Array<[string, string]>): string {
  return params
    .filter(([k]) => k !== 'oauth_signature')
    .map(([k, v]) => [percentEncode(k), percentEncode(v)])
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/** RFC 5849 §3.4.1.1: METHOD&encoded-base-URI&encoded-normalized-parameters. */
export function signatureBaseString(method: string, url: string, params: Array<[string, string]>): string {
  return [method.toUpperCase(), baseStringUri(url), normalizeParameters(params)].map(percentEncode).join('&');
}

/** RFC 5849 §3.4.2: the HMAC key is the encoded consumer secret and token secret joined by "&". */
export const signingKey = (consumerSecret: string, tokenSecret: string) => `${percentEncode(consumerSecret)}&${percentEncode(tokenSecret)}`;

export function sign(method: SignatureMethod, baseString: string, consumerSecret: string, tokenSecret: string, rsaPrivateKeyPem?: string): string {
  const key = signingKey(consumerSecret, tokenSecret);
  switch (method) {
    case 'HMAC-SHA1': return createHmac('sha1', key).update(baseString).digest('base64');
    case 'HMAC-SHA256': return createHmac('sha256', key).update(baseString).digest('base64');
    case 'RSA-SHA1': return createSign('RSA-SHA1').update(baseString).sign(rsaPrivateKeyPem!, 'base64');
    case 'PLAINTEXT': return key;
  }
}

const equal = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

const consumerKeys = boundedMemo<string, KeyObject | null>(1000);

/**
 * A consumer's registered RSA key, opened and held to the key rule once per distinct PEM: one registered before the
 * rule (too small, e = 1, a small factor: forgeable) verifies nothing (null).
 */
const consumerKey = (pem: string): KeyObject | null => consumerKeys(pem, () => {
  let key: KeyObject;
  try { key = createPublicKey(pem); } catch { return null; }
  return key.asymmetricKeyType === 'rsa' && !rsaKeyProblem(key, { modulus: true }) ? key : null;
});

/** Constant-time for the shared-secret methods; RSA-SHA1 checks with the registered public key (§3.4.3). */
export function verifySignature(method: SignatureMethod, baseString: string, signature: string, consumerSecret: string, tokenSecret: string, rsaPublicKeyPem?: string | null): boolean {
  if (method === 'RSA-SHA1') {
    if (!rsaPublicKeyPem) return false;
    const key = consumerKey(rsaPublicKeyPem);
    try { return key !== null && createVerify('RSA-SHA1').update(baseString).verify(key, signature, 'base64'); } catch { return false; }
  }
  return equal(sign(method, baseString, consumerSecret, tokenSecret), signature);
}
