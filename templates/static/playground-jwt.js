// The playground's JWT reading, as a relying party does it: decode a JWS, check its signature with a key of the
// server's JWKS (WebCrypto), and list the checks. Used for the ID Token (OpenID Connect Core §3.1.3.7) and the
// signed UserInfo response (Core §5.3.2). No library: the page shows every step it takes.

const unb64url = (p) => Uint8Array.from(atob(p.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));

/** A JWT's header and claims, decoded for reading. */
export function decodeJwt(jwt) {
  const part = (p) => JSON.parse(new TextDecoder().decode(unb64url(p)));
  const [header, claims] = jwt.split('.');
  return { header: part(header), claims: part(claims) };
}

// The JWS algorithms Gatehouse signs with, as WebCrypto names them (RFC 7518 §3.3, §3.4; RFC 8037).
const WEBCRYPTO = {
  RS256: { import: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, verify: { name: 'RSASSA-PKCS1-v1_5' } },
  ES256: { import: { name: 'ECDSA', namedCurve: 'P-256' }, verify: { name: 'ECDSA', hash: 'SHA-256' } },
  EdDSA: { import: { name: 'Ed25519' }, verify: { name: 'Ed25519' } },
};

/** Whether the JWS verifies with the JWKS key of its kid, that key being for its alg. */
export async function verifyWithJwks(jwt, header, jwks) {
  const jwk = jwks?.keys?.find((k) => k.kid === header.kid);
  const alg = WEBCRYPTO[header.alg];
  if (!jwk || !alg || jwk.alg !== header.alg) return false;
  const [h, p, sig] = jwt.split('.');
  try {
    const key = await crypto.subtle.importKey('jwk', jwk, alg.import, false, ['verify']);
    return await crypto.subtle.verify(alg.verify, key, unb64url(sig), new TextEncoder().encode(`${h}.${p}`));
  } catch {
    return false;
  }
}

/** The lines of a decoded-JWT step: header, claims, then each check as ok or FAIL (under `checksTitle`, in the page's language). */
export function jwtLines(header, claims, checks, checksTitle = 'checks') {
  return ['header', JSON.stringify(header, null, 2), '', 'claims', JSON.stringify(claims, null, 2), '', checksTitle,
    ...checks.map(([what, ok]) => `${ok ? 'ok  ' : 'FAIL'} ${what}`)];
}
