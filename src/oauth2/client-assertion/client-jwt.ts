// One verifier for every JWT a client signs: client assertions (RFC 7523 §3) and request objects (RFC 9101 §4). Both
// are verified with the same client keys, with iss = client_id and aud = the issuer, so what tells them apart is
// their kind: its typ rule and the claims it may not carry (RFC 8725 §3.11, RFC 9101 §10.8). Without that, a leaked
// request object holding sub and jti would authenticate its client at the token endpoint.
import { decodeProtectedHeader, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { AssertionReplayStore } from './store.ts';

/** Clock skew allowed on exp, nbf and iat of every client-signed JWT. */
export const CLIENT_JWT_SKEW_S = 30;

/**
 * Why a client JWT was refused: `replayed` for a jti already spent, `key_too_short` for an HMAC alg the client's
 * secret is too short to key (RFC 7518 §3.2), `invalid` for everything else.
 */
export class ClientJwtRefused extends Error {
  readonly reason: 'invalid' | 'replayed' | 'key_too_short';
  constructor(message: string, reason: 'invalid' | 'replayed' | 'key_too_short' = 'invalid') { super(message); this.reason = reason; }
}

/** The authorization request parameters (RFC 6749 §4.1.1, Core §3.1.2.1, RFC 9126, RFC 7636, RFC 8707, RFC 9449): none belongs in a client assertion. */
const AUTHORIZATION_REQUEST_PARAMS = ['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'nonce', 'response_mode', 'code_challenge', 'code_challenge_method', 'prompt', 'max_age', 'claims', 'login_hint', 'id_token_hint', 'acr_values', 'ui_locales', 'resource', 'authorization_details', 'dpop_jkt', 'request', 'request_uri'] as const;

export interface ClientJwtKind {
  /** For messages: what the JWT is. */
  name: string;
  /** RFC 8725 §3.11: the typ header values (lower case, `application/` dropped; undefined when absent) this kind accepts. */
  typs: readonly (string | undefined)[];
  /** Claims whose presence shows the JWT is of another kind. */
  forbidden: readonly string[];
  /** Claims that must be present (exp always). */
  required: readonly string[];
  /** The jti namespace in the shared replay store: kinds never spend each other's jtis. */
  replayPrefix: string;
  /** RFC 7523 §3 items 1, 2: sub must be the client_id too. */
  subjectIsClient: boolean;
  /** draft-ietf-oauth-rfc7523bis: aud is the issuer alone (one value); otherwise it need only include it. */
  singleAudience: boolean;
}

/** RFC 7523 §3 / OIDC Core §9: typ absent, JWT, or draft-ietf-oauth-rfc7523bis's client-authentication+jwt; never a request object's. */
export const CLIENT_ASSERTION: ClientJwtKind = {
  name: 'client assertion', typs: [undefined, 'jwt', 'client-authentication+jwt'], forbidden: AUTHORIZATION_REQUEST_PARAMS,
  required: ['exp', 'jti', 'aud'], replayPrefix: '', subjectIsClient: true, singleAudience: true,
};

/** RFC 9101 §4, §10.8: typ absent, JWT or oauth-authz-req+jwt; exp required here so a captured object expires. */
export const REQUEST_OBJECT: ClientJwtKind = {
  name: 'request object', typs: [undefined, 'jwt', 'oauth-authz-req+jwt'], forbidden: [],
  required: ['exp'], replayPrefix: 'request-object:', subjectIsClient: false, singleAudience: false,
};

export interface ClientJwtCheck {
  kind: ClientJwtKind;
  clientId: string;
  /** The issuer identifier: the audience. */
  audience: string;
  algorithms: readonly string[];
  /** exp at most this far past now (seconds): a jti is remembered that long. */
  maxLifetimeSeconds: number;
  /** The verification key for the header's `alg`, asked for once the header holds (a bad alg costs no jwks_uri fetch);
   * null: refused. `rekey` gives a fresh one when the JWT names a kid the key set lacks (rotated keys). */
  key: (alg: string) => Promise<Uint8Array | JWTVerifyGetKey | null>;
  rekey?: () => Promise<JWTVerifyGetKey | null>;
  /** Spends the jti once every other check holds; absent, nothing is spent. */
  replay?: Pick<AssertionReplayStore, 'spend'>;
  /** The kind's own checks on the verified payload, before the jti is spent (throw ClientJwtRefused). */
  also?: (payload: JWTPayload) => void;
  now: number;
}

/** RFC 7515 §4.1.9: typ is compared case-insensitively, with the `application/` prefix optional. */
const typOf = (typ: unknown): string | undefined | null => (typ === undefined ? undefined : typeof typ === 'string' ? typ.toLowerCase().replace(/^application\//, '') : null);

/** Verifies a JWT signed by the client `c.clientId` as a JWT of `c.kind`, then spends its jti; throws ClientJwtRefused. */
export async function verifyClientJwt(jwt: string, c: ClientJwtCheck): Promise<JWTPayload> {
  const { kind } = c;
  let header;
  try { header = decodeProtectedHeader(jwt); } catch { throw new ClientJwtRefused(`The ${kind.name} is not a JWS.`); }
  // RFC 8725 §3.1 / RFC 7523 §3 item 9 / RFC 9101 §10.1: an allowed algorithm for this client; never `none`.
  if (typeof header.alg !== 'string' || !c.algorithms.includes(header.alg)) throw new ClientJwtRefused(`The ${kind.name} must be signed with ${c.algorithms.join(', ')}.`);
  // RFC 8725 §3.11: explicit typing keeps one kind of JWT from being taken for another.
  if (!kind.typs.includes(typOf(header.typ) as string | undefined)) throw new ClientJwtRefused(`The ${kind.name} may not have typ ${String(header.typ)}.`);
  const options = {
    issuer: c.clientId, ...(kind.subjectIsClient ? { subject: c.clientId } : {}), audience: c.audience,
    algorithms: [...c.algorithms], clockTolerance: CLIENT_JWT_SKEW_S, requiredClaims: [...kind.required], currentDate: new Date(c.now),
  };
  const key = await c.key(header.alg);
  if (!key) throw new ClientJwtRefused(`No key of this client verifies a ${kind.name}.`);
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(jwt, key as JWTVerifyGetKey, options));
  } catch (e) {
    const code = String((e as { code?: string }).code ?? 'invalid');
    // A kid the set does not hold: the client may have rotated its keys; the caller reads them again.
    const fresh = code === 'ERR_JWKS_NO_MATCHING_KEY' && c.rekey ? await c.rekey() : null;
    if (!fresh) throw new ClientJwtRefused(`The ${kind.name} does not verify: ${code}.`);
    try { ({ payload } = await jwtVerify(jwt, fresh, options)); } catch (e2) { throw new ClientJwtRefused(`The ${kind.name} does not verify: ${String((e2 as { code?: string }).code ?? 'invalid')}.`); }
  }
  const aud = payload.aud;
  if (kind.singleAudience && !(aud === c.audience || (Array.isArray(aud) && aud.length === 1 && aud[0] === c.audience))) throw new ClientJwtRefused(`The ${kind.name}'s aud must be the issuer alone.`);
  const nowS = c.now / 1000;
  // This server bounds exp, since a jti is remembered until then.
  if (typeof payload.exp !== 'number' || payload.exp > nowS + c.maxLifetimeSeconds + CLIENT_JWT_SKEW_S) throw new ClientJwtRefused(`The ${kind.name} may live at most ${c.maxLifetimeSeconds} s.`);
  // An iat in the future is a clock far off or a forged timeline (RFC 7523 §3 item 6 lets us refuse it).
  if (payload.iat !== undefined && (typeof payload.iat !== 'number' || payload.iat > nowS + CLIENT_JWT_SKEW_S)) throw new ClientJwtRefused(`The ${kind.name}'s iat is in the future.`);
  // RFC 9101 §10.8 / RFC 8725 §3.12: a JWT carrying another kind's claims is that kind, whatever its typ says.
  const foreign = kind.forbidden.find((k) => payload[k] !== undefined);
  if (foreign) throw new ClientJwtRefused(`A ${kind.name} may not carry ${foreign}.`);
  if (payload.jti !== undefined && (typeof payload.jti !== 'string' || !payload.jti || payload.jti.length > 255)) throw new ClientJwtRefused('jti must be a string of 1 to 255 characters.');
  c.also?.(payload);
  // Spent last, once everything else holds (a JWT refused for another reason costs nothing), and remembered as long
  // as it is accepted: its exp plus the skew jose allowed on it (RFC 7523 §3 item 7, RFC 9101 §10.8).
  if (c.replay && payload.jti !== undefined && !(await c.replay.spend(c.clientId, `${kind.replayPrefix}${payload.jti}`, (payload.exp + CLIENT_JWT_SKEW_S + 1) * 1000))) {
    throw new ClientJwtRefused(`The ${kind.name} was already used (its jti).`, 'replayed');
  }
  return payload;
}
