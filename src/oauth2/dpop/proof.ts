import { hash } from 'node:crypto';
import { InvalidDpopProof, UseDpopNonce } from '../errors.ts';
import { normaliseHtu } from './htu.ts';
import { algFitsKey, openProofKey, verifySignature, type ProofKey } from './proof-key.ts';
import type { DpopNonces } from './nonce.ts';
import type { DpopReplayStore } from './replay.ts';

/**
 * RFC 9449 §4.3 check 5: asymmetric algorithms only, never `none` nor a MAC (a proof must show possession of a
 * private key the server never sees). Discovery's dpop_signing_alg_values_supported and the challenges' `algs`.
 */
export const DPOP_ALGS: readonly string[] = ['ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];

/**
 * The algorithms a proof may use where a profile restricts every JWS (FAPI 2.0 §5.4.1: PS256, ES256, EdDSA with
 * Ed25519, of which RFC 9864's fully specified Ed25519 is the same signature); all of DPOP_ALGS otherwise.
 */
export const dpopAlgs = (restrictTo?: readonly string[]): readonly string[] =>
  restrictTo ? DPOP_ALGS.filter((a) => restrictTo.includes(a) || (a === 'Ed25519' && restrictTo.includes('EdDSA'))) : DPOP_ALGS;

/** A proof is a header's worth of JWS: larger is not a proof (and is not parsed). */
const MAX_PROOF = 8 * 1024;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
/** Members of a private (or symmetric) JWK: a proof's jwk must carry none (§4.3 check 7). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const MAX_JTI = 256;
/** RSA keys up to 4096 bits (683 base64url characters of modulus), exponent up to 2^32 (65537 is AQAB). */
const MAX_RSA_BITS = 4096;
const MAX_RSA_N = Math.ceil(MAX_RSA_BITS / 6);
const MAX_RSA_E = 6;

export interface DpopSettings {
  /** Check 5: the algorithms accepted (dpopAlgs), advertised in discovery and resource metadata. */
  algs: readonly string[];
  /** How far (seconds) a proof's iat may lie from now, either way (§4.3 check 11, §11.1). */
  iatWindowSeconds: number;
  /** §8, §9: every proof must carry a nonce this server issued. */
  requireNonce: boolean;
  nonces: DpopNonces;
  replay: DpopReplayStore;
}

/** The request the proof must be about. */
export interface ProofTarget {
  method: string;
  /** The request's URI as this server may be named (its own origin and the issuer's), without query. */
  urls: readonly string[];
  /** §4.3 check 12, §7: at a protected resource, the access token presented (ath must be its hash). */
  accessToken?: string;
  now: number;
}

/** A verified proof: the key's RFC 7638 thumbprint, which binds tokens and codes. */
export interface VerifiedProof { jkt: string; jti: string }

/** §4.2: ath is base64url(SHA-256(access token)). */
export const accessTokenHash = (token: string) => hash('sha256', token, 'base64url');

/** A base64url segment's JSON: a plain object, or null. */
function jsonObject(segment: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : null;
  } catch {
    return null;
  }
}

function refuse(why: string): never {
  throw new InvalidDpopProof(`The DPoP proof ${why}.`);
}

function checkHeader(proof: string, algs: readonly string[]): { alg: string; key: ProofKey } {
  if (proof.length > MAX_PROOF || !COMPACT_JWS.test(proof)) refuse('is not a compact JWS'); // §4.3 checks 1-2
  const header = jsonObject(proof.slice(0, proof.indexOf('.')));
  if (!header) refuse('header is not a JSON object');
  // Check 4. A typ is a media type (RFC 7515 §4.1.9): compared without case, "application/" optional.
  if (typeof header.typ !== 'string' || header.typ.toLowerCase().replace(/^application\//, '') !== 'dpop+jwt') refuse('must have typ dpop+jwt');
  // RFC 7515 §4.1.11: extensions the recipient does not understand MUST be refused; a proof needs none.
  if ('crit' in header) refuse('must not carry crit');
  if (typeof header.alg !== 'string' || !algs.includes(header.alg)) refuse(`must be signed with one of ${algs.join(', ')}`); // check 5
  const jwk = header.jwk as Record<string, unknown> | undefined;
  if (!jwk || typeof jwk !== 'object' || Array.isArray(jwk)) refuse('carries no jwk');
  // Check 7: "the jwk JOSE Header Parameter does not contain a private key".
  if (PRIVATE_MEMBERS.some((m) => m in jwk)) refuse('jwk must be a public key');
  // Cost before work: an RSA key's verification grows with its modulus and exponent, both the sender's choice.
  if (jwk.kty === 'RSA' && (typeof jwk.n !== 'string' || jwk.n.length > MAX_RSA_N || typeof jwk.e !== 'string' || jwk.e.length > MAX_RSA_E)) refuse(`jwk must be an RSA key of at most ${MAX_RSA_BITS} bits with a small exponent`);
  const key = openProofKey(jwk);
  if (!key) refuse('jwk is not a usable public key');
  // Check 5 with check 6: the algorithm must be one for the key's type and curve (no ES256 over an RSA key).
  if (!algFitsKey(header.alg, key)) refuse(`alg ${header.alg} does not fit its jwk`);
  return { alg: header.alg, key };
}

/** Check 6: the signature verifies with the header's key; then the payload, a JSON object. */
function verifiedPayload(proof: string, alg: string, key: ProofKey): Record<string, unknown> {
  const [h, p, sig] = proof.split('.') as [string, string, string];
  if (!verifySignature(alg, key, `${h}.${p}`, Buffer.from(sig, 'base64url'))) refuse('signature does not verify with its jwk');
  return jsonObject(p) ?? refuse('payload is not a JSON object');
}

/**
 * RFC 9449 §4.3: every check of a DPoP proof, in the RFC's order, then the replay check (§11.1) last so a proof
 * refused for another reason spends nothing. Throws InvalidDpopProof, or UseDpopNonce (§8) when a nonce is needed.
 */
export async function verifyDpopProof(proof: string, target: ProofTarget, s: DpopSettings): Promise<VerifiedProof> {
  const { alg, key } = checkHeader(proof, s.algs);
  const payload = verifiedPayload(proof, alg, key);
  // Check 3: the claims a proof must have.
  if (typeof payload.jti !== 'string' || !payload.jti || payload.jti.length > MAX_JTI) refuse('needs a jti');
  if (typeof payload.htm !== 'string') refuse('needs htm');
  if (typeof payload.htu !== 'string') refuse('needs htu');
  if (typeof payload.iat !== 'number' || !Number.isFinite(payload.iat)) refuse('needs iat');
  // Check 8: htm is the request's method.
  if (payload.htm !== target.method) refuse('htm does not match the request method');
  // Check 9: htu is the request's URI, query and fragment ignored, compared after normalisation.
  const htu = normaliseHtu(payload.htu);
  if (htu === null || !target.urls.some((u) => normaliseHtu(u) === htu)) refuse('htu does not match the request URI');
  // Check 11: iat within the window (either way: clocks differ).
  if (Math.abs(payload.iat * 1000 - target.now) > s.iatWindowSeconds * 1000) refuse('iat is outside the acceptable window');
  // Check 12: at a resource, ath is the hash of the access token presented with it.
  if (target.accessToken !== undefined && payload.ath !== accessTokenHash(target.accessToken)) refuse(payload.ath === undefined ? 'needs ath' : 'ath does not match the access token');
  // Check 10, §8: a nonce we issued, when nonces are required.
  if (s.requireNonce && !s.nonces.accepts(payload.nonce, target.now)) {
    throw new UseDpopNonce(payload.nonce === undefined ? 'Authorization server requires nonce in DPoP proof.' : 'The DPoP nonce is stale or unknown.');
  }
  const { jkt } = key;
  // §11.1: one use of each jti per key while its iat is acceptable, across every instance.
  const expiresAt = payload.iat * 1000 + s.iatWindowSeconds * 1000 + 1000;
  if (!(await s.replay.remember(jkt, payload.jti, Math.max(expiresAt, target.now + 1000)))) refuse('was already used (jti replayed)');
  return { jkt, jti: payload.jti };
}
