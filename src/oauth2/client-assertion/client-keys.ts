import type { JSONWebKeySet } from 'jose';
import { publicJwkSet } from '../client-registration.ts';
import { BoundedMap, boundedMemo } from '../bounded-memo.ts';
import type { ClientRecord } from '../store.ts';
import { refusedByOwnBound } from '../../oidc/outbound.ts';

/** Fetches a jwks_uri through the outbound guard (oidc/outbound.ts: no private targets, size and time caps, no redirects). */
export type JwksFetcher = (url: string) => Promise<unknown>;

export interface ClientKeyLimits {
  /** How long a fetched key set is used before it is fetched again. */
  ttlMs: number;
  /** Key sets kept at most (the oldest forgotten first). */
  maxEntries: number;
  /** An unknown kid fetches the set again at most this often per URL: a stream of made-up kids costs one fetch. */
  refetchIntervalMs: number;
  /** A failed fetch is remembered this long: assertions naming a dead jwks_uri cost no outbound request meanwhile. */
  failureMemoryMs: number;
}

export const DEFAULT_KEY_LIMITS: ClientKeyLimits = { ttlMs: 5 * 60_000, maxEntries: 1000, refetchIntervalMs: 60_000, failureMemoryMs: 10_000 };

const checked = boundedMemo<string, JSONWebKeySet | null>(1000);

/**
 * A client's registered (inline) jwks, held to the rules of registration (publicJwkSet) once per distinct set: one
 * stored before a rule existed (an RSA key with e = 1, say, which anyone can forge signatures for) verifies nothing:
 * null. Client assertions and request objects both take their keys from here.
 */
export function registeredKeys(jwks: string): JSONWebKeySet | null {
  return checked(jwks, () => {
    const text = publicJwkSet(jwks);
    return text ? JSON.parse(text) as JSONWebKeySet : null;
  });
}

/** Thrown when a client's keys cannot be had: the caller answers invalid_client, the cause is for the log only. */
export class ClientKeysUnavailable extends Error {}

interface Entry { keys: JSONWebKeySet; fetchedAt: number }

/**
 * A client's public keys for private_key_jwt (RFC 7523 §3, Registration §2): its registered `jwks`, or the set at its
 * `jwks_uri`, cached per URL (every instance fetches for itself; a key set is public, so nothing is shared). One fetch
 * per URL at a time. `refresh` (an assertion's kid not in the set: the client rotated its keys) fetches again, at
 * most once per refetchIntervalMs per URL.
 */
export class ClientKeys {
  readonly #fetch: JwksFetcher;
  readonly #limits: ClientKeyLimits;
  readonly #now: () => number;
  readonly #cache: BoundedMap<string, Entry>;
  readonly #inFlight = new Map<string, Promise<JSONWebKeySet>>();
  readonly #failedAt: BoundedMap<string, number>;
  constructor(fetch: JwksFetcher, limits: ClientKeyLimits = DEFAULT_KEY_LIMITS, now: () => number = Date.now) {
    this.#fetch = fetch; this.#limits = limits; this.#now = now;
    this.#cache = new BoundedMap(limits.maxEntries);
    this.#failedAt = new BoundedMap(limits.maxEntries);
  }

  /** The key set to verify with; null when the client registered none. */
  async of(client: Pick<ClientRecord, 'jwks' | 'jwksUri'>, o: { refresh?: boolean } = {}): Promise<JSONWebKeySet | null> {
    if (client.jwks) return registeredKeys(client.jwks);
    if (!client.jwksUri) return null;
    const url = client.jwksUri;
    const hit = this.#cache.get(url);
    const now = this.#now();
    const fresh = hit && now - hit.fetchedAt < this.#limits.ttlMs;
    const mayRefetch = !hit || now - hit.fetchedAt >= this.#limits.refetchIntervalMs;
    if (hit && (o.refresh ? !mayRefetch : fresh)) return hit.keys;
    return this.#load(url);
  }

  #load(url: string): Promise<JSONWebKeySet> {
    const failed = this.#failedAt.get(url);
    if (failed !== undefined && this.#now() - failed < this.#limits.failureMemoryMs) return Promise.reject(new ClientKeysUnavailable('jwks_uri failed recently'));
    let flight = this.#inFlight.get(url);
    if (!flight) {
      flight = this.#fetchSet(url).finally(() => this.#inFlight.delete(url));
      this.#inFlight.set(url, flight);
    }
    return flight;
  }

  async #fetchSet(url: string): Promise<JSONWebKeySet> {
    const failed = (why: string) => {
      this.#failedAt.set(url, this.#now());
      return new ClientKeysUnavailable(why);
    };
    let doc: unknown;
    try { doc = await this.#fetch(url); } catch (e) {
      if (refusedByOwnBound(e)) {
        // Our own bound on the host said no, nothing about the keys: the last good set serves meanwhile (strangers'
        // clients at the same host could otherwise keep a client from authenticating: attacker read 23, F2).
        // One more cache lifetime at most: a key the client removed from its set must not live on for as long as
        // somebody keeps the host busy (attacker read 24, F1).
        const last = this.#cache.get(url);
        if (last && this.#now() - last.fetchedAt < 2 * this.#limits.ttlMs) return last.keys;
        throw new ClientKeysUnavailable('jwks_uri could not be fetched');
      }
      throw failed('jwks_uri could not be fetched');
    }
    // The same rules as a registered jwks: public keys only, at most 10.
    const text = publicJwkSet(doc);
    if (!text) throw failed('jwks_uri did not answer a JWK Set of public keys');
    this.#failedAt.delete(url);
    const keys = JSON.parse(text) as JSONWebKeySet;
    this.#cache.set(url, { keys, fetchedAt: this.#now() });
    return keys;
  }
}
