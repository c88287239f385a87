import type { Context } from 'koa';
import { InvalidDpopProof, InvalidDpopProofAtResource, isOAuthError, UseDpopNonce, UseDpopNonceAtResource, type OAuthError } from '../oauth2/errors.ts';
import { verifyDpopProof, type DpopSettings, type VerifiedProof } from '../oauth2/dpop/index.ts';

/** What the routes need to check DPoP proofs: the core's settings and the issuer (a name the server answers to). */
export interface HttpDpop { settings: DpopSettings; issuer: () => string }

/**
 * RFC 9449 §4.3 check 9: the URIs this request may be named by in htu: the issuer's (its origin, or the issuer itself
 * when it has a path a proxy strips) with the request's path. Never the Host or Origin header: a proof made for
 * another server (a resource server that received it) would then pass here with that server's name in Host.
 */
function requestUrls(ctx: Context, issuer: string): string[] {
  const bases = issuerBases(issuer);
  return bases.map((b) => `${b}${ctx.path}`);
}

/** The issuer's origin, and the issuer itself when it has a path; parsed once per issuer value. */
let lastIssuer: { issuer: string; bases: string[] } | undefined;
function issuerBases(issuer: string): string[] {
  if (lastIssuer?.issuer === issuer) return lastIssuer.bases;
  const iss = URL.parse(issuer);
  const bases = !iss ? [] : [iss.origin];
  const base = iss?.href.replace(/\/$/, '');
  if (iss && base !== iss.origin) bases.push(base!);
  lastIssuer = { issuer, bases };
  return bases;
}

/** The DPoP header, if the request has one. Two headers arrive joined by a comma, which no compact JWS holds (§4.3 check 1). */
export const dpopHeader = (ctx: Context): string | undefined => {
  const v = ctx.req.headers.dpop;
  return v === undefined ? undefined : String(v);
};

/** Verifies a proof for this request; a demand for a nonce carries the current one (§8, §9). */
async function verify(ctx: Context, d: HttpDpop, proof: string, accessToken?: string, serverName = d.issuer()): Promise<VerifiedProof> {
  const now = Date.now();
  try {
    const verified = await verifyDpopProof(proof, { method: ctx.method, urls: requestUrls(ctx, serverName), accessToken, now }, d.settings);
    // §8.2: the server may hand a fresh nonce with any answer; the client keeps using the newest.
    if (d.settings.requireNonce) ctx.set('DPoP-Nonce', d.settings.nonces.current(now));
    return verified;
  } catch (e) {
    if (e instanceof UseDpopNonce) e.headers['DPoP-Nonce'] = d.settings.nonces.current(now);
    throw e;
  }
}

/** Token endpoint and PAR (RFC 9449 §5, §10.1): the key of the request's proof, or undefined without one. Refusals are 400. */
export async function tokenRequestKey(ctx: Context, d: HttpDpop): Promise<string | undefined> {
  const proof = dpopHeader(ctx);
  if (proof === undefined) return undefined;
  return (await verify(ctx, d, proof)).jkt;
}

/**
 * A protected resource (RFC 9449 §7): the proof that comes with `Authorization: DPoP <token>` (ath checked), its htu
 * under the resource's own name when it has one (its identifier's origin), else the issuer's.
 * Refusals become 401s, which requireToken answers with a DPoP challenge (§7.1).
 */
export async function resourceRequestKey(ctx: Context, d: HttpDpop, accessToken: string, resource?: string): Promise<string> {
  const proof = dpopHeader(ctx);
  if (proof === undefined) throw new InvalidDpopProofAtResource('A DPoP proof is required with the DPoP scheme.');
  try {
    // §4.3 check 9 at a resource server beside Gatehouse (requireToken({ resource })): the request was received under
    // the resource's name, not the issuer's.
    return (await verify(ctx, d, proof, accessToken, resource)).jkt;
  } catch (e) {
    if (!isOAuthError(e)) throw e;
    const err: OAuthError = e instanceof UseDpopNonce ? new UseDpopNonceAtResource(e.description) : e instanceof InvalidDpopProof ? new InvalidDpopProofAtResource(e.description) : e;
    Object.assign(err.headers, e.headers);
    throw err;
  }
}
