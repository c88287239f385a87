// RFC 8707 resource indicators: which resource servers a token is for. Pure: the registered resource servers come
// in as a catalog (ResourceServerStore, implemented in src/storage), errors are `invalid_target` (RFC 8707 §2).
import { InvalidTarget } from './errors.ts';
import { ACCESS_TOKEN_FORMATS, type AccessTokenFormat } from './store.ts';
import { OPENID_SCOPE, SCOPE_CLAIMS } from '../oidc/claims.ts';

/** A resource server an administrator registered (GraphQL, CLI). */
export interface ResourceServerInput {
  /** RFC 8707 §2: an absolute URI without a fragment, kept in its canonical form (canonicalResource). */
  identifier: string;
  name: string;
  /** The scopes a token for this resource may carry (names Gatehouse knows, config.scopes). */
  scopes: string[];
  /** The format of its access tokens: RFC 9068 JWTs it can verify itself, or opaque ones it introspects. */
  accessTokenFormat: AccessTokenFormat;
  /** Its access tokens' lifetime in seconds; null: the server's ACCESS_TOKEN_TTL. */
  accessTokenTtl: number | null;
}
export interface ResourceServerRecord extends ResourceServerInput { id: number; createdAt: number; updatedAt: number }

export interface ResourceServerStore {
  /** Used by: authorize, token (every grant), through resourceCatalog: all resource servers (a small table). */
  all(): Promise<ResourceServerRecord[]>;
  /** Used by: GraphQL, CLI (administrators only). */
  create(data: ResourceServerInput): Promise<ResourceServerRecord>;
  update(id: number, data: ResourceServerInput): Promise<ResourceServerRecord | null>;
  delete(id: number): Promise<boolean>;
}

/** At most this many resource parameters in a request: each is looked up, and all end up in every token. */
export const MAX_RESOURCES = 10;
const MAX_RESOURCE_LENGTH = 2048;

/**
 * canonicalResource's answers for the values seen lately: every bearer check compares the issuer or a resource's
 * identifier, the same few strings, and parsing them as URLs was 4 % of /api/hello's CPU (bench/profile.ts). Bounded (cleared when
 * full), so values strangers send cost what they cost before and hold no memory.
 */
const CANONICAL = new Map<string, string | null>();
const CANONICAL_MEMO = 256;

/**
 * The one form a resource identifier is compared and stored in: WHATWG URL serialisation (scheme and host lower
 * case, default port dropped, an empty path written `/`), so `https://MCP.example` and `https://mcp.example/` name
 * the same resource. Null when it is no absolute URI or has a fragment (RFC 8707 §2: MUST be absolute, MUST NOT
 * include a fragment).
 */
export function canonicalResource(value: string): string | null {
  if (value.length > MAX_RESOURCE_LENGTH || /[\s#]/.test(value)) return null;
  const known = CANONICAL.get(value);
  if (known !== undefined) return known;
  const url = URL.parse(value);
  const c = !url || url.hash || !/^[a-z][a-z0-9+.-]*:$/.test(url.protocol) ? null : url.href;
  if (CANONICAL.size >= CANONICAL_MEMO) CANONICAL.clear();
  CANONICAL.set(value, c);
  return c;
}

/**
 * A registered resource server's identifier (GraphQL, CLI): canonical, and stricter than what a request may name.
 * RFC 9728 §2: its metadata's `resource` is a URL with no query or fragment (and §3.1 builds the metadata URL from
 * it); RFC 8707 §2: SHOULD NOT include a query. http(s) only (https in production is the issuer's rule, a test
 * resource may be loopback http); no user name or password, which would be published and sent by every client.
 */
export function resourceServerIdentifier(value: string): string | null {
  const c = canonicalResource(value);
  if (c === null || value.includes('?')) return null;
  const url = new URL(c);
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.search || url.username || url.password) return null;
  return c;
}

/** What a `resource` value holding whitespace is carried as: no URI has a `#` alone, so it is always invalid_target. */
const MALFORMED_RESOURCE = '#';

/**
 * RFC 8707 §2: several resources are sent as repeated `resource` parameters, each one absolute URI. The HTTP layer
 * (oauth-endpoint.ts plainParams) hands every value here, and gets one string for the request's parameters: the
 * values joined with a space, which is unambiguous because a value holding whitespace is first replaced by a marker
 * that parseResourceParam refuses (invalid_target, raised where the authorization endpoint can still redirect it).
 * So "https://a https://b" is never read as two resources.
 */
export function joinResourceParams(values: readonly string[]): string {
  return values.filter((v) => v !== '').map((v) => (/\s/.test(v) ? MALFORMED_RESOURCE : v)).join(' ');
}

/**
 * The `resource` parameter as joinResourceParams made it. Each must be an absolute URI without fragment (RFC 8707
 * §2, invalid_target otherwise).
 */
export function parseResourceParam(value: string | undefined): string[] {
  if (value === undefined) return [];
  const out = new Set<string>();
  for (const raw of value.split(' ')) {
    if (raw === '') continue;
    if (raw === MALFORMED_RESOURCE) throw new InvalidTarget('Each resource is one absolute URI; send several as repeated resource parameters (RFC 8707 §2).');
    const c = canonicalResource(raw);
    if (c === null) throw new InvalidTarget('resource must be an absolute URI without a fragment (RFC 8707 §2).');
    out.add(c);
    // Refused as soon as it is past the bound: 10,000 resources deduplicated by a list walk held the loop 1.3 s before
    // a refresh token was looked up (second read 13).
    if (out.size > MAX_RESOURCES) throw new InvalidTarget(`At most ${MAX_RESOURCES} resource parameters.`);
  }
  return [...out];
}

/** A resource as issuance sees it; the built-in one (Gatehouse's own APIs) takes every scope and the client's format. */
export interface Resource { identifier: string; scopes: readonly string[] | null; accessTokenFormat: AccessTokenFormat | null; accessTokenTtl: number | null }

/** What every registered resource is, read once before a grant's transaction (so decisions inside stay synchronous). */
export interface ResourceCatalog {
  get(identifier: string): Resource | undefined;
  /** Gatehouse's own APIs: the issuer in canonical form. */
  builtIn: string;
  /** Whether some resource wants JWTs: a grant then readies the signer before its transaction. */
  anyJwt: boolean;
}

/** Builds the catalog: the registered resource servers plus Gatehouse's own APIs under the issuer's identifier. */
export function resourceCatalog(servers: readonly ResourceServerRecord[], issuer: string): ResourceCatalog {
  const builtIn = canonicalResource(issuer) ?? issuer;
  const map = new Map<string, Resource>(servers.map((s) => [s.identifier, s]));
  // An administrator cannot shadow the issuer: its APIs keep every scope (storage refuses that identifier too).
  map.set(builtIn, { identifier: builtIn, scopes: null, accessTokenFormat: null, accessTokenTtl: null });
  return { get: (id) => map.get(id), builtIn, anyJwt: servers.some((s) => s.accessTokenFormat === 'jwt') };
}

/** What a request's resources decide: the scope for them, the resources, the token's audience (none asked: undefined). */
export interface ResourceDecision { scopes: string[]; resources: string[]; audience?: Audience }

/**
 * The authorization request and the grants that issue without spending anything (client_credentials, password):
 * the `resource` parameter checked (RFC 8707 §2) and the scope narrowed or refused for those resources.
 */
export async function decideResources(param: string | undefined, scopes: string[], explicitScope: boolean, catalog?: () => Promise<ResourceCatalog>): Promise<ResourceDecision> {
  const requested = parseResourceParam(param);
  if (requested.length === 0) return { scopes, resources: [] };
  if (!catalog) throw new InvalidTarget('Resource indicators are not accepted here.');
  const resources = lookUpResources(requested, await catalog());
  return { scopes: scopeForResources(scopes, resources, explicitScope), resources: requested, audience: audienceOf(resources) };
}

/**
 * The code and refresh grants (inside their store's transaction, so synchronous): the resources asked for at the
 * token endpoint narrowed from those granted (RFC 8707 §2), looked up again (a resource server deleted since is
 * invalid_target), and the granted scope narrowed to them.
 */
export function decideGrantedResources(requested: readonly string[], granted: readonly string[], scopes: readonly string[], explicitScope: boolean, catalog: ResourceCatalog | undefined): ResourceDecision {
  const chosen = narrowResources(requested, granted);
  if (chosen.length === 0) return { scopes: [...scopes], resources: [] };
  if (!catalog) throw new InvalidTarget('Resource indicators are not accepted here.');
  const resources = lookUpResources(chosen, catalog);
  return { scopes: scopeForResources(scopes, resources, explicitScope), resources: chosen, audience: audienceOf(resources) };
}

/** Scopes that are about the end-user's identity (the ID Token, UserInfo), not about a resource: never refused for one. */
const IDENTITY_SCOPES: ReadonlySet<string> = new Set([OPENID_SCOPE, ...Object.keys(SCOPE_CLAIMS)]);

/** Looks each requested resource up: an unknown one is invalid_target (RFC 8707 §2). */
export function lookUpResources(identifiers: readonly string[], catalog: ResourceCatalog): Resource[] {
  return identifiers.map((id) => {
    const r = catalog.get(id);
    if (!r) throw new InvalidTarget('The resource is not known to this authorization server.');
    return r;
  });
}

const allowedFor = (scope: string, resources: readonly Resource[]) => IDENTITY_SCOPES.has(scope) || resources.some((r) => r.scopes === null || r.scopes.includes(scope));

/**
 * The scope of a token for these resources. Scopes the client asked for must each be one a requested resource
 * takes (RFC 8707 §2: invalid_target when the requested scope is not allowed for the resource); scopes it did not
 * ask for (the defaults) are narrowed to them instead (RFC 6749 §3.3). No resources: the scope unchanged.
 */
export function scopeForResources(scopes: readonly string[], resources: readonly Resource[], explicit: boolean): string[] {
  if (resources.length === 0) return [...scopes];
  if (!explicit) return scopes.filter((s) => allowedFor(s, resources));
  const bad = scopes.find((s) => !allowedFor(s, resources));
  if (bad !== undefined) throw new InvalidTarget(`The scope "${bad.slice(0, 40)}" is not allowed for the requested resource.`);
  return [...scopes];
}

/** RFC 8707 §2 (token endpoint): the resources asked for must be among those granted; none asked for keeps them all. */
export function narrowResources(requested: readonly string[], granted: readonly string[]): string[] {
  if (requested.length === 0) return [...granted];
  if (requested.some((r) => !granted.includes(r))) throw new InvalidTarget('The resource was not granted in this authorization.');
  return [...requested];
}

/** What a token for these resources looks like: its audience, its format (a resource's own), its lifetime. */
/** The longest access-token lifetime (seconds) a resource server may set for its tokens. */
export const RESOURCE_ACCESS_TOKEN_MAX_TTL = 86_400;

export interface Audience { resources: string[]; format: AccessTokenFormat | null; ttl: number | null }

/**
 * One JWT audience may name several resources; if any of them verifies JWTs itself, the token is a JWT (the others
 * introspect it like any token). The shortest lifetime any of them asks for wins.
 */
export function audienceOf(resources: readonly Resource[]): Audience | undefined {
  if (resources.length === 0) return undefined;
  const formats = resources.map((r) => r.accessTokenFormat).filter((f): f is AccessTokenFormat => f !== null);
  const ttls = resources.map((r) => r.accessTokenTtl).filter((t): t is number => t !== null);
  return {
    resources: resources.map((r) => r.identifier),
    format: formats.length === 0 ? null : formats.includes('jwt') ? 'jwt' : 'opaque',
    ttl: ttls.length ? Math.min(...ttls) : null,
  };
}

/** RFC 8707: whether a token's audience names the resource; a token without resources is for the issuer's APIs. */
export function audienceIncludes(info: { resources?: readonly string[] }, resource: string, issuer: string): boolean {
  const wanted = canonicalResource(resource) ?? resource;
  return info.resources?.length ? info.resources.includes(wanted) : wanted === (canonicalResource(issuer) ?? issuer);
}

/** Resources a token names, as stored (space-separated, '' for none). */
export const formatResources = (r: readonly string[]): string => r.join(' ');
export const splitResources = (s: string | null | undefined): string[] => (s ? s.split(' ').filter(Boolean) : []);

/** A resource server's input checked field by field (GraphQL, CLI); `knownScopes` are config.scopes. */
export function validateResourceServer(raw: { identifier?: unknown; name?: unknown; scopes?: unknown; accessTokenFormat?: unknown; accessTokenTtl?: unknown }, o: { knownScopes: readonly string[]; issuer: string }): { value?: ResourceServerInput; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const identifier = typeof raw.identifier === 'string' ? resourceServerIdentifier(raw.identifier.trim()) : null;
  if (identifier === null) errors.identifier = 'An absolute http(s) URI without query, fragment or credentials (RFC 8707 §2, RFC 9728 §2).';
  else if (identifier === canonicalResource(o.issuer)) errors.identifier = 'The issuer names Gatehouse\'s own APIs; choose another identifier.';
  const name = typeof raw.name === 'string' ? raw.name.trim() : '';
  if (name === '' || name.length > 200) errors.name = 'A name of 1 to 200 characters.';
  const scopes = Array.isArray(raw.scopes) && raw.scopes.every((s) => typeof s === 'string') ? [...new Set(raw.scopes as string[])] : null;
  if (!scopes) errors.scopes = 'Scopes must be a list of names.';
  else { const bad = scopes.find((s) => !o.knownScopes.includes(s)); if (bad !== undefined) errors.scopes = `Unknown scope "${bad.slice(0, 40)}". Known scopes: ${o.knownScopes.join(', ')}.`; }
  const format = raw.accessTokenFormat ?? 'opaque';
  if (!ACCESS_TOKEN_FORMATS.includes(format as AccessTokenFormat)) errors.accessTokenFormat = `One of ${ACCESS_TOKEN_FORMATS.join(', ')}.`;
  const ttl = raw.accessTokenTtl ?? null;
  if (ttl !== null && !(Number.isInteger(ttl) && (ttl as number) >= 1 && (ttl as number) <= RESOURCE_ACCESS_TOKEN_MAX_TTL)) errors.accessTokenTtl = `Seconds, from 1 to ${RESOURCE_ACCESS_TOKEN_MAX_TTL}.`;
  if (Object.keys(errors).length) return { errors };
  return { value: { identifier: identifier!, name, scopes: scopes!, accessTokenFormat: format as AccessTokenFormat, accessTokenTtl: ttl as number | null }, errors };
}
