// RFC 6750 §3 / RFC 7235 §2.1: the WWW-Authenticate challenge of a bearer-protected resource. Every value put into
// one goes through authParam(), so a realm, a description, a scope or a metadata URL (configuration, or a value an
// attacker influenced) can neither close its quoted-string and add attributes nor split the header (CR/LF).

/** RFC 6750 §3: these attributes' values MUST NOT hold `"` or `\` (nor anything outside %x20-7E); they are dropped. */
const STRICT: ReadonlySet<string> = new Set(['error', 'error_description', 'error_uri', 'scope']);

/**
 * One auth-param, `name="value"`. The value keeps printable ASCII only (%x20-7E: no CR, LF or other controls, which
 * would split or corrupt the header); in the attributes RFC 6750 §3 restricts, `"` and `\` are dropped, in the others
 * (realm, RFC 9728's resource_metadata) escaped as quoted-pairs (RFC 7230 §3.2.6).
 */
export function authParam(name: string, value: string): string {
  if (!/^[a-z_]+$/.test(name)) throw new Error(`authParam: bad attribute name ${JSON.stringify(name)}`);
  const printable = value.replace(/[^\x20-\x7e]/g, '');
  const safe = STRICT.has(name) ? printable.replace(/["\\]/g, '') : printable.replace(/["\\]/g, '\\$&');
  return `${name}="${safe}"`;
}

export interface BearerChallenge {
  realm: string;
  error?: string;
  error_description?: string;
  scope?: string;
  /** RFC 9728 §5.1: where the client finds which authorization server to ask. */
  resource_metadata?: string;
  /** RFC 9449 §7.1: the JWS algorithms a DPoP proof may use, space-separated (DPoP scheme only). */
  algs?: string;
}

/** `<scheme> realm="…", error="…", …` in that order, attributes left undefined omitted. */
export function authChallenge(scheme: 'Bearer' | 'DPoP', c: BearerChallenge): string {
  const order: (keyof BearerChallenge)[] = ['realm', 'error', 'error_description', 'scope', 'resource_metadata', 'algs'];
  return `${scheme} ${order.filter((k) => c[k] !== undefined).map((k) => authParam(k, c[k]!)).join(', ')}`;
}

/** RFC 6750 §3: the Bearer challenge. */
export const bearerChallenge = (c: BearerChallenge): string => authChallenge('Bearer', c);

/**
 * RFC 9449 §7.1: a resource that takes both schemes answers a request that carried no token at all with a challenge
 * for each, Bearer's then DPoP's (with the algorithms a proof may use), as one comma-joined list (RFC 9110 §11.6.1).
 * No error attribute in either (RFC 6750 §3.1). Without `dpopAlgs` (a resource that does not take DPoP), Bearer alone.
 */
export function missingTokenChallenges(c: Omit<BearerChallenge, 'error' | 'error_description' | 'algs'>, dpopAlgs?: readonly string[]): string {
  const bearer = authChallenge('Bearer', c);
  return dpopAlgs?.length ? `${bearer}, ${authChallenge('DPoP', { ...c, algs: dpopAlgs.join(' ') })}` : bearer;
}
