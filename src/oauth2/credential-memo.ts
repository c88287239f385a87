import { hash } from 'node:crypto';
import { BoundedMap } from './bounded-memo.ts';

interface Verified { clientId: string; secretHash: string }

/**
 * Basic credentials that passed client authentication, keyed by the SHA-256 of the whole Authorization header
 * (never the header itself). A resource server introspecting sends the same header on every call; a hit skips
 * decoding it and the pepper's HMAC (a tenth of an introspection). A hit counts only while the client's stored
 * secret hash is still the one it was checked against, so rotating the secret or deleting the client ends it at
 * once. Gatehouse's secrets carry 256 random bits, so the digest held in memory gives nothing to guess from.
 */
export class CredentialMemo {
  readonly #map: BoundedMap<string, Verified>;
  constructor(max = 1000) { this.#map = new BoundedMap(max); }

  static key(authorization: string): string { return hash('sha256', authorization, 'base64url'); }

  get(key: string): Verified | undefined { return this.#map.get(key); }

  set(key: string, v: Verified): void {
    this.#map.set(key, v);
  }
}
