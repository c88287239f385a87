// One validation module for client registration: the HTML forms, the CLI and GraphQL all call this,
// so a client that one of them accepts, every other accepts too.
import { createPublicKey } from 'node:crypto';
import { CLIENT_AUTH_METHOD_NAMES } from './client-auth.ts';
import { REDIRECT_GRANT_TYPES, REGISTRABLE_GRANT_TYPES, normalizeGrantType } from './grant-types.ts';
import { echoUri, parseRedirectUriList, validateBackchannelLogoutUri, validateFrontchannelLogoutUri, validateRedirectUriForRegistration } from './redirect-uri.ts';
import { isPrivilegedScope, isValidScopeToken } from './scope.ts';
import { privilegeErrors, withTrustReviewed, type RegistrationActor } from './privileges.ts';
import { ACCESS_TOKEN_FORMATS, APPLICATION_TYPES, SIGNING_ALGS, SUBJECT_TYPES, type AccessTokenFormat, type ApplicationType, type ClientInput, type ClientRecord, type ClientType, type GrantType, type IdTokenSigningAlg, type ResponseType, type SubjectType, type TokenEndpointAuthMethod } from './store.ts';
import { grantResponseTypes, responseTypeRule } from './response-types.ts';
import { DECEPTIVE_TEXT } from './hostile-text.ts';
import { assertionAlgsFor, CLIENT_ASSERTION_ALGS, REQUEST_OBJECT_ALGS } from './client-assertion/algorithms.ts';
import { idTokenAlgDefault, profileFieldErrors, type SecurityProfile } from './security-profile/index.ts';

export interface RawClientInput {
  name?: unknown;
  applicationType?: unknown;
  clientType?: unknown;
  grantTypes?: unknown;
  redirectUris?: unknown;
  allowedScopes?: unknown;
  skipAuthorization?: unknown;
  allowedOrigins?: unknown;
  tokenEndpointAuthMethod?: unknown;
  oauth1Enabled?: unknown;
  rsaPublicKey?: unknown;
  postLogoutRedirectUris?: unknown;
  backchannelLogoutUri?: unknown;
  backchannelLogoutSessionRequired?: unknown;
  frontchannelLogoutUri?: unknown;
  frontchannelLogoutSessionRequired?: unknown;
  dpopBoundAccessTokens?: unknown;
  accessTokenFormat?: unknown;
  idTokenSignedResponseAlg?: unknown;
  responseTypes?: unknown;
  userinfoSignedResponseAlg?: unknown;
  subjectType?: unknown;
  sectorIdentifierUri?: unknown;
  jwks?: unknown;
  requestObjectSigningAlg?: unknown;
  accessTokenLifetime?: unknown;
  refreshTokenLifetime?: unknown;
  authorizationCodeLifetime?: unknown;
  jwksUri?: unknown;
  tokenEndpointAuthSigningAlg?: unknown;
  requestUris?: unknown;
}

export type FieldErrors = Partial<Record<keyof ClientInput, string>>;

export type ValidationResult = { ok: true; value: ClientInput } | { ok: false; errors: FieldErrors };

export interface RegistrationPolicy {
  allowInsecureTransport: boolean;
  /** SECURITY_PROFILE: clients breaking its rules are refused (security-profile/clients.ts). */
  securityProfile?: SecurityProfile;
  /** Scopes Gatehouse knows; a client may only be allowed those. */
  knownScopes: readonly string[];
  /**
   * Fetches a sector_identifier_uri's document and answers its parsed JSON; throws when it cannot (its text is never
   * shown: it could tell how a name resolved). Outbound, so the SSRF-guarded fetch with size and time limits
   * (oidc/subject.ts); `signal` is a caller's deadline over more than this fetch (a metadata document's resolution).
   */
  sectorDocument(uri: string, o?: { signal?: AbortSignal }): Promise<unknown>;
  /** Issue 21: the longest lifetimes (seconds) a client may be given (ACCESS_TOKEN_MAX_LIFETIME…). */
  lifetimeMaxima: LifetimeMaxima;
}

export interface LifetimeMaxima { accessTokenLifetime: number; refreshTokenLifetime: number; authorizationCodeLifetime: number }
export const LIFETIME_FIELDS = ['accessTokenLifetime', 'refreshTokenLifetime', 'authorizationCodeLifetime'] as const;

/**
 * A per-client lifetime: left out keeps the current one, null or '' is the server's default, otherwise whole seconds
 * from 1 to the server's maximum. Who may set it is privileges.ts's to say (administrators only).
 */
function lifetime(raw: unknown, current: number | null | undefined, max: number, setting: string): { value: number | null } | { error: string } {
  if (raw === undefined) return { value: current ?? null };
  if (raw === null || raw === '') return { value: null };
  const n = typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) return { error: 'Whole seconds, at least 1 (or none for the server default).' };
  if (n > max) return { error: `At most ${max} seconds (${setting}).` };
  return { value: n };
}

/** Text fields arrive as strings (forms) or arrays (GraphQL, JSON); both become a clean list. */
function toList(value: unknown): string[] | null {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return value.split(/[\s,]+/).filter(Boolean);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.flatMap((v) => v.split(/[\s,]+/)).filter(Boolean);
  return null;
}

function toBool(value: unknown): boolean | null {
  if (value === undefined || value === null || value === '' || value === false) return false;
  if (value === true || value === 'on' || value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0' || value === 'off') return false;
  return null;
}

/** One value of a closed list; absent or empty keeps `fallback`; anything else outside the list is null. */
function choice<T extends string>(value: unknown, options: readonly T[], fallback: T): T | null {
  if (value === undefined || value === null || value === '') return fallback;
  return options.includes(value as T) ? value as T : null;
}

/**
 * OpenID Connect Registration §2 response_types. Left out: a new client gets those its grants declare (code, token);
 * an update keeps the current list where the grants still allow it, plus those of grants it adds. Each needs its grants (Registration §2); an
 * error is returned as text.
 */
function validResponseTypes(value: unknown, grantTypes: readonly GrantType[], current?: ClientRecord): ResponseType[] | string {
  // A response type holds spaces (code id_token): values are a list's items, or a text's comma-separated parts.
  const list = value == null ? [] : typeof value === 'string' ? value.split(',') : Array.isArray(value) && value.every((v) => typeof v === 'string') ? value as string[] : null;
  if (!list) return 'Choose response types from the list.';
  const fits = (rt: ResponseType) => responseTypeRule(rt)!.grants.every((g) => grantTypes.includes(g));
  if (list.every((x) => !x.trim())) {
    if (!current) return grantResponseTypes(grantTypes);
    // Kept where the grants still allow them; a grant added now brings its own response type (implicit: token).
    const added = grantResponseTypes(grantTypes.filter((g) => !current.grantTypes.includes(g)));
    return [...new Set([...current.responseTypes.filter(fits), ...added])];
  }
  const out: ResponseType[] = [];
  for (const v of list.map((x) => x.trim()).filter(Boolean)) {
    const rule = responseTypeRule(v);
    if (!rule) return `Unknown response type "${v}".`;
    if (!fits(rule.value)) return `The response type "${rule.value}" needs the ${rule.grants.join(' and ')} grant types.`;
    if (!out.includes(rule.value)) out.push(rule.value);
  }
  return out;
}

/** Who asks, and (on update) the client as it is: privileged capabilities are checked against both. */
export interface RegistrationContext { actor: RegistrationActor; current?: ClientRecord }

/** An optional text field: absent, null or blank is null; anything but a string is `undefined` (an error). */
const optionalText = (value: unknown): string | null | undefined => (value == null ? null : typeof value === 'string' ? value.trim() || null : undefined);

export async function validateClientInput(raw: RawClientInput, policy: RegistrationPolicy, context: RegistrationContext): Promise<ValidationResult> {
  const errors: FieldErrors = {};

  const name = typeof raw.name === 'string' ? raw.name.trim() : '';
  if (!name) errors.name = 'Give the application a name.';
  else if (name.length > 255) errors.name = 'Use at most 255 characters.';
  // Users read this name on the consent page: no control or bidi override character may make it read as another.
  else if (DECEPTIVE_TEXT.test(name)) errors.name = 'Use no control, invisible or text-direction characters.';

  const clientType = raw.clientType === undefined || raw.clientType === '' ? 'confidential' : raw.clientType;
  if (clientType !== 'confidential' && clientType !== 'public') errors.clientType = 'Choose confidential or public.';

  const grantList = toList(raw.grantTypes);
  const grantTypes: GrantType[] = [];
  if (!grantList) errors.grantTypes = 'Choose grant types from the list.';
  else {
    for (const g of grantList) {
      const n = normalizeGrantType(g);
      // refresh_token follows from other grants; token exchange from an administrator's policy (token-exchange/policy.ts).
      if (!n || !REGISTRABLE_GRANT_TYPES.includes(n)) { errors.grantTypes = `Unknown grant type "${g}".`; break; }
      if (!grantTypes.includes(n)) grantTypes.push(n);
    }
    if (!errors.grantTypes && grantTypes.length === 0) errors.grantTypes = 'Choose at least one grant type.';
  }
  // client_credentials acts for the client itself, so only a client that can keep a secret may use it (RFC 6749 §4.4).
  if (clientType === 'public' && grantTypes.includes('client_credentials')) errors.grantTypes = 'Public clients cannot use client credentials.';

  const uris = (field: 'redirectUris' | 'postLogoutRedirectUris'): string[] => {
    const value = raw[field];
    const text = typeof value === 'string' ? value : Array.isArray(value) ? value.join('\n') : value == null ? '' : null;
    if (text === null) { errors[field] = 'URIs must be text.'; return []; }
    const list = parseRedirectUriList(text);
    for (const uri of list) {
      const problem = validateRedirectUriForRegistration(uri, { allowInsecureTransport: policy.allowInsecureTransport });
      if (problem) { errors[field] = `${echoUri(uri)}: ${problem}`; break; }
    }
    return list;
  };
  const redirectUris = uris('redirectUris');
  // RP-Initiated Logout 1.0 §3.1: the same rules as redirect URIs, and an exact match when used.
  const postLogoutRedirectUris = uris('postLogoutRedirectUris');
  if (!errors.redirectUris) {
    // RFC 6749 §3.1.2.2: clients using redirection-based flows must register their redirect URIs.
    if (!errors.redirectUris && redirectUris.length === 0 && grantTypes.some((g) => REDIRECT_GRANT_TYPES.has(g))) {
      errors.redirectUris = 'Authorization-code and implicit clients need at least one redirect URI.';
    }
  }

  const scopeList = toList(raw.allowedScopes);
  let allowedScopes: string[] = [];
  if (!scopeList) errors.allowedScopes = 'Scopes must be text.';
  else {
    allowedScopes = scopeList.length ? [...new Set(scopeList)] : [...policy.knownScopes].filter((s) => !isPrivilegedScope(s));
    const bad = allowedScopes.find((s) => !isValidScopeToken(s) || !policy.knownScopes.includes(s));
    if (bad) errors.allowedScopes = `Unknown scope "${bad}". Known scopes: ${policy.knownScopes.join(', ')}.`;
  }

  // A user's form has no such field: leaving it out keeps what an administrator set.
  const skipAuthorization = raw.skipAuthorization === undefined && !context.actor.isAdmin ? (context.current?.skipAuthorization ?? false) : toBool(raw.skipAuthorization);
  if (skipAuthorization === null) errors.skipAuthorization = 'Must be true or false.';

  const originList = toList(raw.allowedOrigins);
  const allowedOrigins: string[] = [];
  if (!originList) errors.allowedOrigins = 'Origins must be text.';
  else {
    for (const o of originList) {
      let url: URL | undefined;
      try { url = new URL(o); } catch { /* reported below */ }
      if (!url || !['http:', 'https:'].includes(url.protocol) || url.origin !== o.replace(/\/$/, '')) {
        errors.allowedOrigins = `"${echoUri(o)}" is not an origin (scheme://host[:port], no path).`;
        break;
      }
      if (!allowedOrigins.includes(url.origin)) allowedOrigins.push(url.origin);
    }
  }

  const defaultMethod: TokenEndpointAuthMethod = clientType === 'public' ? 'none' : 'client_secret_basic';
  const method = raw.tokenEndpointAuthMethod === undefined || raw.tokenEndpointAuthMethod === '' ? defaultMethod : raw.tokenEndpointAuthMethod;
  if (!CLIENT_AUTH_METHOD_NAMES.includes(method as TokenEndpointAuthMethod)) errors.tokenEndpointAuthMethod = `Choose ${CLIENT_AUTH_METHOD_NAMES.join(', ').replace(/, ([^,]*)$/, ' or $1')}.`;
  else if ((clientType === 'public') !== (method === 'none')) {
    errors.tokenEndpointAuthMethod = clientType === 'public' ? 'Public clients authenticate with "none".' : 'Confidential clients authenticate with their secret or a client assertion.';
  }

  const oauth1Enabled = toBool(raw.oauth1Enabled);
  if (oauth1Enabled === null) errors.oauth1Enabled = 'Must be true or false.';
  const rsaPublicKey = typeof raw.rsaPublicKey === 'string' && raw.rsaPublicKey.trim() ? raw.rsaPublicKey.trim() : null;
  if (raw.rsaPublicKey != null && typeof raw.rsaPublicKey !== 'string') errors.rsaPublicKey = 'Must be a PEM text.';
  if (rsaPublicKey) {
    // RFC 5849 §3.4.3: RSA-SHA1 needs the consumer's RSA public key.
    try { if (createPublicKey(rsaPublicKey).asymmetricKeyType !== 'rsa') errors.rsaPublicKey = 'Must be an RSA public key.'; } catch { errors.rsaPublicKey = 'Not a PEM public key.'; }
  }
  const backchannelLogoutUri = typeof raw.backchannelLogoutUri === 'string' && raw.backchannelLogoutUri.trim() ? raw.backchannelLogoutUri.trim() : null;
  if (raw.backchannelLogoutUri != null && typeof raw.backchannelLogoutUri !== 'string') errors.backchannelLogoutUri = 'Must be a URL.';
  const backchannelProblem = backchannelLogoutUri && validateBackchannelLogoutUri(backchannelLogoutUri, { allowInsecureTransport: policy.allowInsecureTransport });
  if (backchannelProblem) errors.backchannelLogoutUri = backchannelProblem;
  const backchannelLogoutSessionRequired = toBool(raw.backchannelLogoutSessionRequired);
  if (backchannelLogoutSessionRequired === null) errors.backchannelLogoutSessionRequired = 'Must be true or false.';
  const frontchannelLogoutUri = typeof raw.frontchannelLogoutUri === 'string' && raw.frontchannelLogoutUri.trim() ? raw.frontchannelLogoutUri.trim() : null;
  if (raw.frontchannelLogoutUri != null && typeof raw.frontchannelLogoutUri !== 'string') errors.frontchannelLogoutUri = 'Must be a URL.';
  const frontchannelProblem = frontchannelLogoutUri && validateFrontchannelLogoutUri(frontchannelLogoutUri, redirectUris);
  if (frontchannelProblem) errors.frontchannelLogoutUri = frontchannelProblem;
  const frontchannelLogoutSessionRequired = toBool(raw.frontchannelLogoutSessionRequired);
  if (frontchannelLogoutSessionRequired === null) errors.frontchannelLogoutSessionRequired = 'Must be true or false.';
  // RFC 9449 §5.2: left out, unchanged on update (false for a new client).
  const dpopBoundAccessTokens = raw.dpopBoundAccessTokens === undefined ? context.current?.dpopBoundAccessTokens ?? false : toBool(raw.dpopBoundAccessTokens);
  if (dpopBoundAccessTokens === null) errors.dpopBoundAccessTokens = 'Must be true or false.';

  if (oauth1Enabled && clientType === 'public' && !rsaPublicKey) errors.oauth1Enabled = 'OAuth 1.0a needs a shared secret (confidential client) or an RSA public key.';

  // Not privileges: the owner chooses how the client's own tokens are written. Left out, the current choice stays.
  const accessTokenFormat = choice(raw.accessTokenFormat, ACCESS_TOKEN_FORMATS, context.current?.accessTokenFormat ?? 'opaque');
  if (!accessTokenFormat) errors.accessTokenFormat = `Choose ${ACCESS_TOKEN_FORMATS.join(' or ')}.`;
  // Core §10.1 / Registration §2: `none` is not in the list, so an unsigned ID Token can never be registered.
  const idTokenSignedResponseAlg = choice(raw.idTokenSignedResponseAlg, SIGNING_ALGS, context.current?.idTokenSignedResponseAlg ?? idTokenAlgDefault(policy.securityProfile));
  if (!idTokenSignedResponseAlg) errors.idTokenSignedResponseAlg = `Choose ${SIGNING_ALGS.join(', ')}.`;
  // Registration §2: unset answers UserInfo as JSON. Left out, the current choice stays; null or '' unsets it.
  const userinfoRaw = raw.userinfoSignedResponseAlg === undefined ? context.current?.userinfoSignedResponseAlg ?? null : raw.userinfoSignedResponseAlg;
  const userinfoSignedResponseAlg = userinfoRaw === null || userinfoRaw === '' ? null : choice(userinfoRaw, SIGNING_ALGS, 'RS256');
  if (userinfoRaw !== null && userinfoRaw !== '' && !userinfoSignedResponseAlg) errors.userinfoSignedResponseAlg = `Choose ${SIGNING_ALGS.join(', ')}, or none for JSON.`;
  const subjectType = choice(raw.subjectType, SUBJECT_TYPES, context.current?.subjectType ?? 'public');
  if (!subjectType) errors.subjectType = `Choose ${SUBJECT_TYPES.join(' or ')}.`;
  // Left out keeps the current sector (a changed sector changes every pairwise sub the client knows, Core §8.1).
  const sectorIdentifierUri = raw.sectorIdentifierUri === undefined ? (context.current?.sectorIdentifierUri ?? null) : optionalText(raw.sectorIdentifierUri);
  if (sectorIdentifierUri === undefined) errors.sectorIdentifierUri = 'Must be a URL.';
  else if (!errors.redirectUris && !errors.subjectType) {
    const problem = await sectorProblem(subjectType!, sectorIdentifierUri, redirectUris, policy);
    if (problem) errors.sectorIdentifierUri = problem;
  }

  // RFC 9101 / Core §6: the keys request objects are verified with, and their one algorithm. Not privileges: they
  // only let the client prove its requests (left out, the current ones stay; null or '' removes them).
  const jwksRaw = raw.jwks === undefined ? context.current?.jwks ?? null : raw.jwks;
  const jwks = jwksRaw === null || jwksRaw === '' ? null : publicJwkSet(jwksRaw);
  if (jwks === undefined) errors.jwks = `Must be a JWK Set of at most ${MAX_JWKS_KEYS} public keys.`;
  const algRaw = raw.requestObjectSigningAlg === undefined ? context.current?.requestObjectSigningAlg ?? null : raw.requestObjectSigningAlg;
  const requestObjectSigningAlg = algRaw === null || algRaw === '' ? null : choice(algRaw, REQUEST_OBJECT_ALGS, 'RS256');
  if (algRaw !== null && algRaw !== '' && !requestObjectSigningAlg) errors.requestObjectSigningAlg = `Choose ${REQUEST_OBJECT_ALGS.join(', ')}.`;

  // Registration §2 / RFC 7591 §2 jwks_uri: https (http only in development), not together with jwks.
  const jwksUri = raw.jwksUri === undefined ? (context.current?.jwksUri ?? null) : optionalText(raw.jwksUri);
  if (jwksUri === undefined) errors.jwksUri = 'Must be a URL.';
  else if (jwksUri) {
    const problem = httpsUrlProblem(jwksUri, policy.allowInsecureTransport);
    if (problem) errors.jwksUri = problem;
    else if (jwks) errors.jwksUri = 'Register jwks or jwks_uri, not both (RFC 7591 §2).';
  }
  // Core §9 / Registration §2: private_key_jwt needs keys to verify with; the signing algorithm, if registered, fits the method.
  if (method === 'private_key_jwt' && !jwks && !jwksUri && !errors.jwks && !errors.jwksUri) errors.tokenEndpointAuthMethod = 'private_key_jwt needs the client\'s public keys: jwks or jwks_uri.';
  const authAlgRaw = raw.tokenEndpointAuthSigningAlg === undefined ? (context.current?.tokenEndpointAuthSigningAlg ?? null) : raw.tokenEndpointAuthSigningAlg;
  const tokenEndpointAuthSigningAlg = authAlgRaw === null || authAlgRaw === '' ? null : typeof authAlgRaw === 'string' && CLIENT_ASSERTION_ALGS.includes(authAlgRaw) ? authAlgRaw : undefined;
  if (tokenEndpointAuthSigningAlg === undefined) errors.tokenEndpointAuthSigningAlg = `Choose ${CLIENT_ASSERTION_ALGS.join(', ')}.`;
  else if (tokenEndpointAuthSigningAlg && (method === 'private_key_jwt' || method === 'client_secret_jwt') && assertionAlgsFor(method, tokenEndpointAuthSigningAlg).length === 0) {
    errors.tokenEndpointAuthSigningAlg = `${tokenEndpointAuthSigningAlg} does not fit ${method as string}.`;
  }
  // RFC 9101 §5.2 / Registration §2 request_uris: https URLs the client may pass by reference, matched exactly.
  const requestUriList = raw.requestUris === undefined ? (context.current?.requestUris ?? []) : toList(raw.requestUris);
  const requestUris: string[] = [];
  if (!requestUriList) errors.requestUris = 'URIs must be text.';
  else if (requestUriList.length > MAX_REQUEST_URIS) errors.requestUris = `Register at most ${MAX_REQUEST_URIS} request_uris.`;
  else {
    for (const u of requestUriList) {
      // https (plain http only in development, as for every other URL the server fetches).
      const problem = httpsUrlProblem(u, policy.allowInsecureTransport);
      if (problem) { errors.requestUris = `${u}: ${problem}`; break; }
      if (!requestUris.includes(u)) requestUris.push(u);
    }
  }
  const lifetimes = {} as Record<(typeof LIFETIME_FIELDS)[number], number | null>;
  const maxSetting = { accessTokenLifetime: 'ACCESS_TOKEN_MAX_LIFETIME', refreshTokenLifetime: 'REFRESH_TOKEN_MAX_LIFETIME', authorizationCodeLifetime: 'AUTHORIZATION_CODE_MAX_LIFETIME' } as const;
  for (const f of LIFETIME_FIELDS) {
    // A registration-endpoint caller is judged without what an administrator gave the client (privileges.ts DYNAMIC).
    const r = lifetime(raw[f], context.actor.dynamic ? null : context.current?.[f], policy.lifetimeMaxima[f], maxSetting[f]);
    if ('error' in r) errors[f] = r.error; else lifetimes[f] = r.value;
  }

  const responseTypes = validResponseTypes(raw.responseTypes, grantTypes, context.current);
  if (typeof responseTypes === 'string') errors.responseTypes = responseTypes;

  // Left out keeps the current one; a new client is `web` (Registration §2 default).
  const applicationType = choice(raw.applicationType, APPLICATION_TYPES, context.current?.applicationType ?? 'web');
  if (!applicationType) errors.applicationType = `Choose ${APPLICATION_TYPES.join(' or ')}.`;
  else if (!errors.redirectUris && !errors.grantTypes) {
    const problem = applicationTypeProblem(applicationType, redirectUris, grantTypes.includes('implicit'), policy.allowInsecureTransport)
      ?? privateUseSchemeProblem(redirectUris, clientType === 'public', applicationType === 'native', context.actor.dynamic === true);
    if (problem) errors.redirectUris = problem;
  }

  if (Object.keys(errors).length) return { ok: false, errors };
  const value: ClientInput = {
    name,
    applicationType: applicationType as ApplicationType,
    clientType: clientType as ClientType,
    grantTypes,
    redirectUris,
    allowedScopes,
    skipAuthorization: skipAuthorization ?? false,
    allowedOrigins,
    tokenEndpointAuthMethod: method as TokenEndpointAuthMethod,
    oauth1Enabled: oauth1Enabled ?? false,
    rsaPublicKey,
    postLogoutRedirectUris,
    backchannelLogoutUri,
    backchannelLogoutSessionRequired: backchannelLogoutSessionRequired ?? false,
    frontchannelLogoutUri,
    frontchannelLogoutSessionRequired: frontchannelLogoutSessionRequired ?? false,
    dpopBoundAccessTokens: dpopBoundAccessTokens ?? false,
    accessTokenFormat: accessTokenFormat as AccessTokenFormat,
    idTokenSignedResponseAlg: idTokenSignedResponseAlg as IdTokenSigningAlg,
    responseTypes: responseTypes as ResponseType[],
    userinfoSignedResponseAlg,
    subjectType: subjectType as SubjectType,
    sectorIdentifierUri: sectorIdentifierUri ?? null,
    jwks: jwks ?? null,
    requestObjectSigningAlg: requestObjectSigningAlg ?? null,
    ...lifetimes,
    jwksUri: jwksUri ?? null,
    tokenEndpointAuthSigningAlg: tokenEndpointAuthSigningAlg ?? null,
    requestUris,
  };
  const profiled = profileFieldErrors(policy.securityProfile, value);
  if (Object.keys(profiled).length) return { ok: false, errors: profiled };
  const refused = privilegeErrors(value, context.actor, context.current);
  return Object.keys(refused).length ? { ok: false, errors: refused } : { ok: true, value: withTrustReviewed(value, context.actor, context.current) };
}

/** RFC 9101 §10.1 / Core §6: the algorithms request objects may use. Never `none`: an unsigned request proves nothing. */
export { REQUEST_OBJECT_ALGS };
const MAX_JWKS_KEYS = 10;
const MAX_JWKS_LENGTH = 16 * 1024;

/** A JWK Set of public keys only (a private member would mean the client leaked its key), as canonical JSON; undefined when invalid. */
export function publicJwkSet(raw: unknown): string | undefined {
  let set: unknown = raw;
  if (typeof raw === 'string') {
    if (raw.length > MAX_JWKS_LENGTH) return undefined;
    try { set = JSON.parse(raw); } catch { return undefined; }
  }
  const keys = (set as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0 || keys.length > MAX_JWKS_KEYS) return undefined;
  for (const k of keys) {
    if (typeof k !== 'object' || k === null || typeof (k as { kty?: unknown }).kty !== 'string') return undefined;
    if (['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'].some((m) => m in k)) return undefined;
  }
  const text = JSON.stringify({ keys });
  return text.length > MAX_JWKS_LENGTH ? undefined : text;
}

const MAX_REQUEST_URIS = 10;

/** An https URL without a fragment and at most 2000 characters (http too where insecure transport is allowed). */
function httpsUrlProblem(uri: string, allowHttp: boolean): string | null {
  const url = URL.parse(uri);
  if (!url || uri.length > 2000 || !(url.protocol === 'https:' || (allowHttp && url.protocol === 'http:'))) return 'must be an https URL.';
  if (url.hash || uri.includes('#')) return 'must not have a fragment.';
  if (url.username || url.password) return 'must not hold credentials.';
  return null;
}

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * OpenID Connect Registration §2 application_type. `native`: redirect URIs are private-use schemes (RFC 8252 §7.1),
 * loopback http (§7.3; localhost accepted for compatibility, though §8.3 prefers the IP literals, which alone get
 * any-port matching) or claimed https URLs (§7.2, which Registration §2 predates). `web` with the implicit grant:
 * no private-use scheme, and (unless insecure transport is allowed, for development) https only and never localhost
 * (Registration §2); other web clients keep the general rules
 * (validateRedirectUriForRegistration), which the forms, GraphQL and the CLI have always applied.
 */
function applicationTypeProblem(type: ApplicationType, redirectUris: readonly string[], implicit: boolean, allowInsecureTransport: boolean): string | null {
  for (const uri of redirectUris) {
    const url = new URL(uri);
    const web = url.protocol === 'https:' || url.protocol === 'http:';
    if (type === 'native') {
      if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname)) return `${echoUri(uri)}: a native client's http redirect URI must be on a loopback address (RFC 8252 §7.3).`;
    } else if (implicit) {
      if (!web) return `${echoUri(uri)}: a web client using the implicit grant must use https (Registration §2).`;
      // Local development (insecure transport allowed) keeps loopback and http, as for every other https rule.
      if (allowInsecureTransport) continue;
      if (LOOPBACK.has(url.hostname)) return `${echoUri(uri)}: a web client using the implicit grant must not use localhost (Registration §2).`;
      if (url.protocol === 'http:') return `${echoUri(uri)}: a web client using the implicit grant must use https (Registration §2).`;
    }
  }
  return null;
}

/**
 * RFC 8252 §7.1 and §8.4: a private-use URI scheme (com.example.app:/cb) belongs to a native app, and any app on the
 * device can claim it, so a client redirecting there cannot keep a secret: it must be public. A confidential client
 * with such a redirect would hand its codes to whichever app claims the scheme. Registration through RFC 7591 or a
 * metadata document must also say application_type native (Registration §2); the forms, GraphQL and the CLI have
 * no application_type field a person sees, so there a public client with such a URI keeps working (docs/security.md).
 */
function privateUseSchemeProblem(redirectUris: readonly string[], isPublic: boolean, isNative: boolean, dynamic: boolean): string | null {
  const uri = redirectUris.find((u) => !/^https?:/i.test(u));
  if (uri === undefined) return null;
  if (!isPublic) return `${echoUri(uri)}: a private-use scheme is only for native apps, which are public clients (RFC 8252 §8.4); use an https redirect URI.`;
  if (dynamic && !isNative) return `${echoUri(uri)}: a private-use scheme is only for application_type native (RFC 8252 §7.1).`;
  return null;
}

/** The hosts of a client's redirect URIs (Core §8.1 without a sector_identifier_uri: the sector is that host). */
export const redirectHosts = (redirectUris: readonly string[]): string[] => [...new Set(redirectUris.map((u) => URL.parse(u)?.hostname ?? ''))];

/** Byte cap on a sector_identifier_uri document: a JSON array of redirect URIs, never large. */
export const SECTOR_DOCUMENT_MAX_BYTES = 64 * 1024;

/**
 * Core §8.1 and Registration §5: a sector_identifier_uri is https, and its document is a JSON array holding every
 * redirect URI of the client; without one, a pairwise client's redirect URIs must share one host (its sector).
 */
async function sectorProblem(subjectType: SubjectType, uri: string | null, redirectUris: readonly string[], policy: RegistrationPolicy): Promise<string | null> {
  if (uri === null) {
    if (subjectType !== 'pairwise') return null;
    const hosts = redirectHosts(redirectUris);
    // Core §8.1: several hosts need a sector_identifier_uri to name the one sector.
    return hosts.length === 1 && hosts[0] !== '' ? null : 'A pairwise client needs redirect URIs on one host, or a sector_identifier_uri.';
  }
  const url = URL.parse(uri);
  // Registration §2: sector_identifier_uri MUST use https (plain http only where insecure transport is allowed, as for callbacks).
  if (!url || !(url.protocol === 'https:' || (url.protocol === 'http:' && policy.allowInsecureTransport))) return 'sector_identifier_uri must be an https URL.';
  if (url.hash) return 'sector_identifier_uri must not have a fragment.';
  let doc: unknown;
  // One text for every failure: the reason (refused, unresolvable, closed port) would map our network for the caller.
  try { doc = await policy.sectorDocument(url.href); } catch { return 'sector_identifier_uri could not be fetched.'; }
  if (!Array.isArray(doc) || !doc.every((v) => typeof v === 'string')) return 'sector_identifier_uri must answer a JSON array of URIs.';
  // Registration §5: the values of redirect_uris MUST be among the elements of the array.
  const missing = redirectUris.find((r) => !doc.includes(r));
  return missing ? `sector_identifier_uri does not list the redirect URI ${echoUri(missing)}.` : null;
}
