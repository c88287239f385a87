import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { createPrivateKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { open, seal } from '../oauth1/secret-box.ts';
import type { KeyStatus, SigningKeyRow, SigningKeyStore } from './store.ts';
import { SIGNING_ALGS, type AuditEvent, type EventSink, type IdTokenSigningAlg } from '../oauth2/store.ts';

/**
 * The registry of ID Token signing algorithms: discovery's id_token_signing_alg_values_supported lists it, the key
 * ring keeps a current and a next key for each. RS256 first: OpenID Connect Core §15.1 requires it, and it is the
 * default when a client registered none (Core §2 id_token_signed_response_alg, Dynamic Registration §2).
 */
export { SIGNING_ALGS };
export type SigningAlg = IdTokenSigningAlg;
export const DEFAULT_SIGNING_ALG: SigningAlg = 'RS256';

/** How long relying parties may cache the JWK Set (its Cache-Control max-age, src/http/routes/oidc-discovery.ts). */
export const JWKS_MAX_AGE_SECONDS = 300;

const GENERATE: Record<SigningAlg, { modulusLength?: number; crv?: string }> = {
  RS256: { modulusLength: 2048 },
  ES256: {},
  EdDSA: { crv: 'Ed25519' },
};

/** A new key pair for `alg`: kid is its RFC 7638 thumbprint, the private half sealed under the server key. */
export async function generateSigningKey(alg: SigningAlg, status: Exclude<KeyStatus, 'retired'>, sealKey: Buffer, now: number): Promise<SigningKeyRow> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { ...GENERATE[alg], extractable: true });
  const pub = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(pub);
  const publicJwk: JWK = { ...pub, kid, use: 'sig', alg };
  const privateJwk: JWK = { ...(await exportJWK(privateKey)), kid, alg };
  return { kid, alg, status, publicJwk: JSON.stringify(publicJwk), privateJwkSealed: seal(JSON.stringify(privateJwk), sealKey), createdAt: now, retiredAt: null };
}

/** What signing needs: the key (jose's, and node:crypto's for synchronous signing) and the header values that name it. */
export interface SigningKey { kid: string; alg: SigningAlg; key: CryptoKey; keyObject: KeyObject }

/** The public JWK of a stored key, as JWKS publishes it (RFC 7517 §4: kid, use, alg; no private member). */
export function publicJwkOf(row: SigningKeyRow): JWK {
  const { kty, crv, n, e, x, y, kid, use, alg } = JSON.parse(row.publicJwk) as JWK;
  return Object.fromEntries(Object.entries({ kty, crv, n, e, x, y, kid, use, alg }).filter(([, v]) => v !== undefined)) as JWK;
}

export async function privateKeyOf(row: SigningKeyRow, sealKey: Buffer): Promise<SigningKey> {
  let sealed: string;
  try { sealed = open(row.privateJwkSealed, sealKey); } catch {
    throw new Error(`The stored signing key ${row.kid} (${row.alg}) cannot be opened with this ENCRYPTION_KEY: it was sealed under another one.`);
  }
  const jwk = JSON.parse(sealed) as JWK;
  return { kid: row.kid, alg: row.alg as SigningAlg, key: (await importJWK(jwk, row.alg)) as CryptoKey, keyObject: createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' }) };
}

/**
 * A rotation refused: the next keys are younger than relying parties' JWKS caches, or another rotation changed the
 * keys while this one was being prepared (`raced`: the keys were rotated once, by the other).
 */
export class RotationTooSoon extends Error {
  readonly publishedSecondsAgo: number;
  readonly settleSeconds: number;
  readonly retryInSeconds: number;
  readonly raced: boolean;
  constructor(publishedSecondsAgo: number, settleSeconds: number, retryInSeconds: number, raced = false) {
    super(RotationTooSoon.describe(publishedSecondsAgo, settleSeconds, retryInSeconds, '--force', raced));
    this.publishedSecondsAgo = publishedSecondsAgo; this.settleSeconds = settleSeconds; this.retryInSeconds = retryInSeconds; this.raced = raced;
  }

  /** The refusal in words, naming how the caller forces it (`--force` on the command line, `force: true` in GraphQL). */
  static describe(ago: number, settle: number, retryIn: number, forceHow: string, raced = false): string {
    if (raced) return `Another rotation changed the signing keys at the same moment, so they were rotated once, not twice. Relying parties may cache the key set for ${settle} s: rotate again in ${retryIn} s, or force it (${forceHow}) if a key is compromised.`;
    return `The next signing keys were published ${ago} s ago; relying parties may cache the key set for ${settle} s. Rotate again in ${retryIn} s, or force it (${forceHow}) if a key is compromised.`;
  }

  /** The same refusal, naming another way to force it. */
  forcedBy(forceHow: string): string { return RotationTooSoon.describe(this.publishedSecondsAgo, this.settleSeconds, this.retryInSeconds, forceHow, this.raced); }
}

export interface KeyRingOptions {
  sealKey: Buffer;
  /** How long a loaded ring is trusted before the store is read again (another process may have rotated). */
  cacheMs?: number;
  /** How long a retired key stays published: the longest lifetime of a token it signed, in milliseconds. */
  retainMs: () => number;
  now?: () => number;
  /** Where each rotation is audited (`keys.rotated`), whoever asked for it: the CLI or GraphQL. */
  events?: EventSink;
}

interface Loaded { rows: SigningKeyRow[]; at: number; signing: Map<string, Promise<SigningKey>> }

/**
 * The server's signing keys, read through a short cache. A key is published (as `next`) for at least one rotation
 * before it signs, and kept (as `retired`) until the tokens it signed have expired, so a relying party that caches
 * the JWKS never meets a kid it has not seen, nor loses one it still needs.
 */
export class KeyRing {
  readonly #store: SigningKeyStore;
  readonly #o: Required<Omit<KeyRingOptions, 'events'>> & Pick<KeyRingOptions, 'events'>;
  #loaded: Promise<Loaded> | undefined;

  constructor(store: SigningKeyStore, o: KeyRingOptions) {
    this.#store = store;
    this.#o = { cacheMs: 60_000, now: Date.now, ...o };
  }

  /**
   * First start: a current and a next key for every algorithm. Instances starting together may both generate;
   * the store keeps one key per (algorithm, role), and each instance then reads the winners.
   */
  async ensure(): Promise<void> {
    const rows = await this.#store.list();
    const now = this.#o.now();
    const missing = SIGNING_ALGS.flatMap((alg) => (['current', 'next'] as const).filter((status) => !rows.some((r) => r.alg === alg && r.status === status)).map((status) => ({ alg, status })));
    for (const { alg, status } of missing) await this.#store.insertIfFree(await generateSigningKey(alg, status, this.#o.sealKey, now));
    this.invalidate();
  }

  /**
   * Rotation for every algorithm: next becomes current, current is retired, a new next is published. A next key
   * signs only once every relying party can have fetched it: published at least this ring's cache period (other
   * instances) plus the JWKS max-age (relying parties) ago. Otherwise refused, unless `force` (a key compromised:
   * relying parties with a stale set then fail until they refetch it).
   */
  async rotate(opts: { force?: boolean; audit?: Omit<AuditEvent, 'type' | 'detail'> } = {}): Promise<{ alg: SigningAlg; promoted: string | null; retired: string | null; published: string; deleted: number }[]> {
    await this.ensure();
    const now = this.#o.now();
    const settle = this.#o.cacheMs + JWKS_MAX_AGE_SECONDS * 1000;
    const nexts = (await this.#store.list()).filter((r) => r.status === 'next');
    if (!opts.force) {
      const youngest = Math.max(...nexts.map((r) => r.createdAt));
      if (now - youngest < settle) throw new RotationTooSoon(Math.round((now - youngest) / 1000), settle / 1000, Math.ceil((settle - (now - youngest)) / 1000));
    }
    const fresh = await Promise.all(SIGNING_ALGS.map((alg) => generateSigningKey(alg, 'next', this.#o.sealKey, now)));
    // Every algorithm in one transaction, and only if the next keys are still those read above: of concurrent
    // rotations (two admins, two instances) one wins, and the 'too soon' judgement above stays true for it.
    const rotated = await this.#store.rotate(fresh, nexts.map((r) => r.kid), now, now - this.#retention());
    this.invalidate();
    if (!rotated) throw new RotationTooSoon(0, settle / 1000, settle / 1000, true);
    const out = rotated.map((r, i) => ({ alg: fresh[i].alg as SigningAlg, ...r, published: fresh[i].kid }));
    await this.#o.events?.record({ type: 'keys.rotated', ...opts.audit, detail: { forced: opts.force === true, current: out.map((r) => r.promoted), next: out.map((r) => r.published) } });
    return out;
  }

  invalidate(): void { this.#loaded = undefined; }

  /** When a key retired at `retiredAt` leaves the JWKS. */
  publishedUntil(retiredAt: number): number { return retiredAt + this.#retention(); }

  /** A retired key signed until its retirement, or a cache period later on an instance that had not reloaded yet. */
  #retention(): number { return this.#o.retainMs() + this.#o.cacheMs; }

  async #load(): Promise<Loaded> {
    const now = this.#o.now();
    const cached = this.#loaded && await this.#loaded.catch(() => undefined);
    if (cached && now - cached.at < this.#o.cacheMs) return cached;
    this.#loaded = (async () => {
      let rows = await this.#store.list();
      if (!SIGNING_ALGS.every((alg) => rows.some((r) => r.alg === alg && r.status === 'current'))) {
        await this.ensure();
        rows = await this.#store.list();
      }
      return { rows, at: now, signing: new Map() };
    })();
    return this.#loaded;
  }

  /** Opens every current key: a key that cannot be opened (another ENCRYPTION_KEY) fails here, at start, by name. */
  async ready(): Promise<void> {
    for (const alg of SIGNING_ALGS) await this.signingKey(alg);
  }

  /** The key that signs now for `alg`. */
  async signingKey(alg: SigningAlg = DEFAULT_SIGNING_ALG): Promise<SigningKey> {
    const loaded = await this.#load();
    const row = loaded.rows.find((r) => r.alg === alg && r.status === 'current');
    if (!row) throw new Error(`no current ${alg} signing key`);
    let key = loaded.signing.get(row.kid);
    if (!key) loaded.signing.set(row.kid, key = privateKeyOf(row, this.#o.sealKey));
    return key;
  }

  /** RFC 7517 §5 JWK Set: every published key (next, current, retired not yet deleted), public members only. */
  async jwks(): Promise<{ keys: JWK[] }> {
    const { rows } = await this.#load();
    const forgotten = this.#o.now() - this.#retention();
    const order: Record<KeyStatus, number> = { current: 0, next: 1, retired: 2 };
    return { keys: rows.filter((r) => r.retiredAt === null || r.retiredAt >= forgotten).sort((a, b) => order[a.status] - order[b.status]).map(publicJwkOf) };
  }
}
