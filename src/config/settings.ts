// Every Gatehouse setting, declared once: environment variable, kind (type and bounds), default, one line of
// description, whether it is secret. The configuration type, createApp's overrides type, the loader's checks and
// the README's table (`npm run docs:config`) all derive from this table. To add a setting, add a line here (in the
// group where it belongs) and run `npm run docs:config`; checks that involve two settings go in `rules` below.
import { MAX_SCOPES, scopeDescriptions } from '../oauth2/scope.ts';
import { algsUnder, has, SECURITY_PROFILES } from '../oauth2/security-profile/index.ts';
import { SIGNING_ALGS } from '../oauth2/store.ts';
import { ACCESS_TOKEN_ALG } from '../oidc/access-token.ts';
import { bool, dictionary, duration, int, key32, list, oneOf, origins, secret, secretList, size, string, url } from './kinds.ts';
import { optional, setting, type ConfigOf, type OverridesOf, type Rules } from './schema.ts';

const DEV_SESSION_KEY = 'gatehouse-dev-session-key-change-me';
const DEV_PEPPER = 'gatehouse-dev-pepper-change-me';
const DEV_ENCRYPTION_KEY = '0'.repeat(64);
const DEV_ONLY = 'dev value, refused in production';
// A limit of 0 would refuse every attempt (limits consume before they check), locking everyone out.
const count = () => int({ min: 1, label: 'count' });

export const settings = {
  env: setting({ env: 'NODE_ENV', kind: oneOf(['development', 'production', 'test']), default: 'development', doc: '`production` refuses the dev secrets below and turns insecure transport off' }),
  port: setting({ env: 'PORT', kind: int({ max: 65535 }), default: 8000, doc: 'port to listen on (0 picks a free one)' }),
  host: optional({ env: 'HOST', kind: string(), defaultText: '`127.0.0.1` outside production, all interfaces in production', doc: 'address `serve` listens on; `0.0.0.0` (or `::`) listens on all interfaces, which development does only when HOST says so' }),
  issuer: setting({ env: 'ISSUER', kind: url({ identifier: true }), default: 'http://localhost:8000', defaultText: '`http://localhost:$PORT`', doc: 'RFC 8414 issuer, also the `iss` of RFC 9207 authorization responses; https unless insecure transport is allowed' }),
  database: {
    file: setting({ env: 'DB_FILE', kind: string(), default: 'gatehouse.sqlite', doc: 'SQLite file (`:memory:` for tests)' }),
    url: optional({ env: 'DATABASE_URL', kind: url({ schemes: ['postgres', 'postgresql'], hint: ' (or leave it unset for SQLite)' }), secret: true, doc: '`postgres://user:pass@host:5432/db`: PostgreSQL instead of the SQLite file' }),
    connectTimeoutMs: setting({ env: 'DB_CONNECT_TIMEOUT_MS', kind: duration('milliseconds'), default: 5000, doc: 'PostgreSQL: longest wait for a connection (a new one, or a free one from the pool); past it, 503 + `Retry-After`' }),
    poolSize: setting({ env: 'DB_POOL_SIZE', kind: count(), default: 10, doc: 'PostgreSQL: connections each instance opens at most; a request waits for a free one (see docs/performance.md: it bounds the token rate), each instance counts against the server\'s `max_connections`' }),
    queryTimeoutMs: setting({ env: 'DB_QUERY_TIMEOUT_MS', kind: duration('milliseconds'), default: 5000, doc: 'PostgreSQL: longest wait for one statement (migrations: none); past it, 503 + `Retry-After`' }),
  },
  redisUrl: optional({ env: 'REDIS_URL', kind: url({ schemes: ['redis', 'rediss'] }), secret: true, doc: '`redis://host:6379`: sessions, rate limits, OAuth 1 nonces and client-cache invalidation shared by instances' }),
  redisPrefix: setting({ env: 'REDIS_PREFIX', kind: string(), default: 'gatehouse:', doc: 'prefix of every Redis key and channel (several deployments on one Redis)' }),
  redisCommandTimeoutMs: setting({ env: 'REDIS_COMMAND_TIMEOUT_MS', kind: duration('milliseconds'), default: 2000, doc: 'longest wait for a Redis command; past it, 503 + `Retry-After`' }),
  sessionKeys: setting({ env: 'SESSION_KEYS', kind: secretList(), default: [DEV_SESSION_KEY], defaultText: DEV_ONLY, doc: 'cookie signing keys, comma-separated, newest first (older ones keep verifying); 32+ characters each in production' }),
  secretPepper: setting({ env: 'SECRET_PEPPER', kind: secret(), default: DEV_PEPPER, defaultText: DEV_ONLY, doc: 'server-side key of the HMAC-SHA-256 of client secrets; 32+ characters in production' }),
  encryptionKey: setting({ env: 'ENCRYPTION_KEY', kind: key32(), default: DEV_ENCRYPTION_KEY, defaultText: DEV_ONLY, doc: 'AES-256-GCM key of the OAuth 1 shared secrets' }),
  tokens: {
    accessTokenTtl: setting({ env: 'ACCESS_TOKEN_TTL', kind: duration('seconds'), default: 3600, doc: 'access token lifetime' }),
    refreshTokenTtl: setting({ env: 'REFRESH_TOKEN_TTL', kind: duration('seconds'), default: 30 * 24 * 3600, doc: 'refresh token lifetime' }),
    authorizationCodeTtl: setting({ env: 'AUTHORIZATION_CODE_TTL', kind: duration('seconds'), default: 60, doc: 'authorization code lifetime' }),
    accessTokenMaxLifetime: setting({ env: 'ACCESS_TOKEN_MAX_LIFETIME', kind: duration('seconds'), default: 24 * 3600, doc: 'the longest access token lifetime an administrator may give one client (GraphQL `accessTokenLifetime`); also bounds a resource server’s own `accessTokenTtl`' }),
    refreshTokenMaxLifetime: setting({ env: 'REFRESH_TOKEN_MAX_LIFETIME', kind: duration('seconds'), default: 365 * 24 * 3600, doc: 'the longest refresh token lifetime an administrator may give one client (`refreshTokenLifetime`)' }),
    authorizationCodeMaxLifetime: setting({ env: 'AUTHORIZATION_CODE_MAX_LIFETIME', kind: duration('seconds'), default: 600, doc: 'the longest authorization code lifetime an administrator may give one client (`authorizationCodeLifetime`; RFC 6749 §4.1.2 recommends at most 10 minutes)' }),
    accessTokenSigningAlg: setting({ env: 'ACCESS_TOKEN_SIGNING_ALG', kind: oneOf(SIGNING_ALGS), default: ACCESS_TOKEN_ALG, doc: 'the algorithm of RFC 9068 JWT access tokens (clients registered with `access_token_format=jwt`): `ES256`, the cheapest signature measured (docs/performance.md), `EdDSA`, or `RS256` (RFC 9068 §2.1 makes it mandatory, so every resource server verifies it) at about ten times the CPU, refused under `SECURITY_PROFILE=fapi2` (FAPI 2.0 §5.4.1)' }),
    oauth1TemporaryTtl: setting({ env: 'OAUTH1_TEMPORARY_TTL', kind: duration('seconds'), default: 600, doc: 'OAuth 1 temporary credentials lifetime' }),
  },
  allowInsecureTransport: setting({ env: 'ALLOW_INSECURE_TRANSPORT', kind: bool(), default: true, defaultText: 'true outside production', doc: 'plain http for local development: cookies lose `Secure`, OAuth 1 PLAINTEXT works without TLS' }),
  trustProxy: setting({ env: 'TRUST_PROXY', kind: bool(), default: false, doc: 'honour `X-Forwarded-For`/`-Proto` from your reverse proxy' }),
  trustProxyHops: setting({ env: 'TRUST_PROXY_HOPS', kind: count(), default: 1, doc: 'with `TRUST_PROXY`: how many of your proxies append to `X-Forwarded-For`; the client is the entry that many from the end, so addresses a client writes into the header itself are never its source (throttles count per source)' }),
  cors: {
    allowAll: setting({ env: 'CORS_ALLOW_ALL', kind: bool(), default: false, doc: 'CORS on the protocol endpoints for any origin' }),
    origins: setting({ env: 'CORS_ORIGINS', kind: origins(), default: [], doc: 'CORS on the protocol endpoints for these origins, besides those each application registers' }),
    adminOrigins: setting({ env: 'ADMIN_ORIGINS', kind: origins(), default: [], doc: 'the only origins given credentialed CORS on `/graphql` (same-origin pages need none)' }),
  },
  eventStreamsPerUser: setting({ env: 'EVENT_STREAMS_PER_USER', kind: count(), default: 5, doc: 'GraphQL subscriptions (event streams) one user may hold open at once, through all their sessions and tokens; on every instance together when they share `REDIS_URL` (a crashed instance\'s streams free their slots within 60 s); the next is refused with 429 `TOO_MANY_STREAMS` until one closes' }),
  pkce: {
    allowPlain: setting({ env: 'PKCE_ALLOW_PLAIN', kind: bool(), default: false, doc: 'allow the `plain` PKCE method' }),
  },
  registration: setting({ env: 'REGISTRATION', kind: oneOf(['off', 'open', 'token']), default: 'off', doc: 'OpenID Connect / RFC 7591 dynamic client registration at `/o/register`: `off`, `open` to anyone (throttled per source), or `token` (an initial access token from `createinitialtoken` or GraphQL `createInitialAccessToken`)' }),
  clientIdMetadata: {
    mode: setting({ env: 'CLIENT_ID_METADATA_DOCUMENTS', kind: oneOf(['on', 'off']), default: 'on', doc: 'client_ids that are https URLs name a client ID metadata document, fetched through the outbound guard (draft-ietf-oauth-client-id-metadata-document; the MCP authorization spec expects it): `on` or `off`' }),
    minTtl: setting({ env: 'CLIENT_ID_METADATA_MIN_TTL', kind: duration('seconds'), default: 300, doc: 'a metadata document is kept at least this long, whatever its `Cache-Control` says (and this long without one)' }),
    maxTtl: setting({ env: 'CLIENT_ID_METADATA_MAX_TTL', kind: duration('seconds'), default: 86400, doc: 'a metadata document is read again at the first use after this long, whatever its `max-age`' }),
    maxClients: setting({ env: 'CLIENT_ID_METADATA_MAX_CLIENTS', kind: count(), default: 1000, doc: 'metadata documents kept at most; past it a new one replaces the least recently used one nobody consented to, or is refused' }),
    maxClientsPerHost: setting({ env: 'CLIENT_ID_METADATA_MAX_CLIENTS_PER_HOST', kind: count(), default: 50, doc: 'metadata documents of one origin (scheme, host, port) kept at most; past it a new one replaces that origin\'s least recently used one nobody consented to, or is refused' }),
  },
  dpop: {
    requireNonce: setting({ env: 'DPOP_REQUIRE_NONCE', kind: bool(), default: false, doc: 'every DPoP proof must carry a server nonce (RFC 9449 §8, §9): a proof without one is answered `use_dpop_nonce` with a `DPoP-Nonce` header; nonces are stateless, valid on every instance' }),
    proofWindow: setting({ env: 'DPOP_PROOF_WINDOW', kind: duration('seconds'), default: 60, doc: 'a DPoP proof\'s `iat` may be this far from the server\'s clock, either way; its `jti` is remembered (Redis, else the database) this long' }),
  },
  securityProfile: setting({ env: 'SECURITY_PROFILE', kind: oneOf(SECURITY_PROFILES), default: 'none', doc: 'a security profile whose rules are enforced on registrations and requests and reported by `check --deploy` (docs/security.md): `none`, `oauth2.1` (PKCE S256 always, no implicit or password grant), `fapi2` (FAPI 2.0 Security Profile: oauth2.1 plus PAR, private_key_jwt, DPoP, response_type code) or `mcp` (oauth2.1 plus RFC 8707 `resource` on every request)' }),
  requirePushedAuthorizationRequests: setting({ env: 'REQUIRE_PUSHED_AUTHORIZATION_REQUESTS', kind: bool(), default: false, defaultText: 'true with SECURITY_PROFILE=fapi2, else false', doc: 'the authorization endpoint accepts only requests pushed to `/o/par` first (RFC 9126 §5)' }),
  clientAssertionMaxLifetime: setting({ env: 'CLIENT_ASSERTION_MAX_LIFETIME', kind: duration('seconds'), default: 300, doc: 'a client assertion (private_key_jwt, client_secret_jwt) may expire at most this far in the future; its jti is remembered that long' }),
  approvalPrompt: setting({ env: 'APPROVAL_PROMPT', kind: oneOf(['auto', 'force']), default: 'auto', doc: '`auto` skips consent for scopes already granted; `force` always asks' }),
  scopes: setting({ kind: dictionary(), default: scopeDescriptions(), doc: 'the scopes Gatehouse knows, with the words the consent page shows' }),
  defaultScopes: setting({ env: 'DEFAULT_SCOPES', kind: list(), default: ['read'], doc: 'granted when a request names none' }),
  admin: {
    username: setting({ env: 'ADMIN_USERNAME', kind: string(), default: 'admin', doc: 'the first admin, created on the first start' }),
    password: optional({ env: 'ADMIN_PASSWORD', kind: secret(), defaultText: 'generated, printed once', doc: 'the first admin\'s password' }),
  },
  rateLimit: {
    loginPerUsername: setting({ env: 'LOGIN_LIMIT_PER_USERNAME', kind: count(), default: 5, doc: 'failed password checks (login page and password grant together) per (username, source) in the window' }),
    loginPerUsernameAllSources: setting({ env: 'LOGIN_LIMIT_PER_USERNAME_ALL_SOURCES', kind: count(), default: 100, doc: 'failed password checks per username from all sources in the window' }),
    loginPerIp: setting({ env: 'LOGIN_LIMIT_PER_IP', kind: count(), default: 20, doc: 'failed password checks per source in the window' }),
    windowSeconds: setting({ env: 'RATE_LIMIT_WINDOW', kind: duration('seconds'), default: 900, doc: 'the window of the login and client-authentication limits' }),
    registrationsPerAccount: setting({ env: 'REGISTRATION_LIMIT_PER_ACCOUNT', kind: count(), default: 20, doc: 'clients an account that is not an administrator may register in the window (GraphQL `registerClient`, the applications page); more are refused (429, `RATE_LIMITED`)' }),
    sectorFetches: setting({ env: 'SECTOR_FETCH_LIMIT', kind: count(), default: 30, doc: 'sector_identifier_uri fetches (OpenID Connect Registration §5) that one client\'s updates, or one account\'s registrations, may cause in the window, failed ones included (not those our own per-host bound refused); past it the field is refused until the window ends. Administrators are not counted; dynamic registrations are held by `REGISTRATION_LIMIT_PER_SOURCE`' }),
    registrationsPerSource: setting({ env: 'REGISTRATION_LIMIT_PER_SOURCE', kind: count(), default: 20, doc: 'dynamic client registration attempts per source in the window' }),
    deviceAuthorizationPerSource: setting({ env: 'DEVICE_AUTHORIZATION_LIMIT_PER_SOURCE', kind: count(), default: 30, doc: 'RFC 8628 device authorization requests per source (an IPv4 address, an IPv6 /64) per minute; more get 429 `temporarily_unavailable`' }),
    deviceAuthorizationPerClient: setting({ env: 'DEVICE_AUTHORIZATION_LIMIT_PER_CLIENT', kind: count(), default: 1000, doc: 'RFC 8628 device authorization requests per authenticated client per minute, from all sources together' }),
    pushedRequestsPerSource: setting({ env: 'PAR_LIMIT_PER_SOURCE', kind: count(), default: 300, doc: 'RFC 9126 pushed authorization requests (each stores a row until it expires) per source (an IPv4 address, an IPv6 /64) per minute, counted before client authentication; more get 429 `temporarily_unavailable`. A relying party pushing for more of its users than this from one address raises it' }),
    oauth1InitiatesPerSource: setting({ env: 'OAUTH1_INITIATE_LIMIT_PER_SOURCE', kind: count(), default: 300, doc: 'RFC 5849 temporary credential requests (each stores credentials and a nonce) per source (an IPv4 address, an IPv6 /64) per minute, counted before the signature is checked; more get 429 `temporarily_unavailable`' }),
    loginDetoursPerSource: setting({ env: 'LOGIN_DETOUR_LIMIT_PER_SOURCE', kind: count(), default: 60, doc: 'pushed or signed authorization requests set aside across the login page (a stored row each) per source (an IPv4 address, an IPv6 /64) per minute; more get 429 `temporarily_unavailable`' }),
    failureEventsPerSource: setting({ env: 'FAILURE_EVENTS_PER_SOURCE', kind: count(), default: 100, doc: 'audit rows of refused client authentications and refused protocol requests (`client.auth_failed`, `client.request_refused`) one source (an IPv4 address, an IPv6 /64) may add in the window; past it such requests are answered the same and not recorded, so strangers cannot grow the events table' }),
    clientAuthFailures: setting({ env: 'CLIENT_AUTH_FAILURE_LIMIT', kind: count(), default: 20, doc: 'failed client authentications (OAuth 2 secrets and OAuth 1 signatures together) per (client, source) in the window' }),
  },
  outboundAllowedHosts: setting({ env: 'OUTBOUND_ALLOWED_HOSTS', kind: list(), default: [], doc: 'host names or IPs that outbound calls (back-channel logout, sector_identifier_uri, client ID metadata documents, jwks_uri, request_uri) may reach although they are private, loopback or link-local' }),
  playground: setting({ env: 'PLAYGROUND', kind: bool(), default: true, doc: 'the OAuth playground at `/o/playground/`' }),
  bodyLimit: setting({ kind: size(), default: '100kb', doc: 'largest form or JSON body' }),
  metrics: {
    mode: setting({ env: 'METRICS', kind: oneOf(['off', 'on']), default: 'off', doc: 'Prometheus metrics at `GET /metrics` (`on` needs `METRICS_TOKEN`); `off`: the path does not exist (404)' }),
    token: optional({ env: 'METRICS_TOKEN', kind: secret(), doc: 'the bearer token a scraper sends (`Authorization: Bearer …`), compared in constant time; 32+ characters' }),
  },
  deployCheck: setting({ env: 'DEPLOY_CHECK', kind: oneOf(['enforce', 'warn']), default: 'enforce', doc: 'in production, `serve` runs `check --deploy` first: `enforce` refuses to start on an error, `warn` logs the findings and starts' }),
  signingKeyMaxAge: setting({ env: 'SIGNING_KEY_MAX_AGE', kind: duration('seconds'), default: 90 * 24 * 3600, doc: 'rotation period of the OpenID Connect signing keys: `check --deploy` warns about a current key older than this (`gatehouse rotatekeys`)' }),
  logRequests: setting({ env: 'LOG_REQUESTS', kind: bool(), default: false, doc: 'one JSON line per request on stderr (never the query string, headers or body)' }),
};

export type GatehouseConfig = ConfigOf<typeof settings>;

/** The development defaults refused in production (by the checks below, and named by `check --deploy`). */
export const devDefaults = {
  sessionKeys: (c: Pick<GatehouseConfig, 'sessionKeys'>) => c.sessionKeys.includes(DEV_SESSION_KEY) || c.sessionKeys.some((k) => k.length < 32),
  secretPepper: (c: Pick<GatehouseConfig, 'secretPepper'>) => c.secretPepper === DEV_PEPPER || c.secretPepper.length < 32,
  encryptionKey: (c: Pick<GatehouseConfig, 'encryptionKey'>) => c.encryptionKey === DEV_ENCRYPTION_KEY,
  /** The development ENCRYPTION_KEY itself: signing keys sealed under it are readable by anyone with the database. */
  encryptionKeyValue: DEV_ENCRYPTION_KEY,
};
export type ConfigOverrides = OverridesOf<typeof settings>;

// Three checks `check --deploy` repeats as rules of its own (src/config/deploy-check.ts): it reads the configuration
// without them, so that it reports them by id beside the database's findings instead of failing to load.
const issuerHttps = (c: GatehouseConfig) => (c.allowInsecureTransport || URL.parse(c.issuer)?.protocol === 'https:' ? undefined : 'ISSUER must be https unless ALLOW_INSECURE_TRANSPORT=true');
const metricsToken = (c: GatehouseConfig) => (c.metrics.mode === 'off' || (c.metrics.token?.length ?? 0) >= 32 ? undefined : 'METRICS=on needs METRICS_TOKEN of at least 32 characters (/metrics is on the public listener)');
// FAPI 2.0 §5.4.1 (fapi2:signing-algs): the JWT access tokens' one algorithm is held to the profile as ID Tokens are per client.
const accessTokenAlgUnderProfile = (c: GatehouseConfig) => (algsUnder(c.securityProfile, [c.tokens.accessTokenSigningAlg]).length
  ? undefined : `ACCESS_TOKEN_SIGNING_ALG=${c.tokens.accessTokenSigningAlg} is not allowed under SECURITY_PROFILE=${c.securityProfile} (fapi2:signing-algs: ES256 or EdDSA)`);
const productionSecrets = (c: GatehouseConfig) => c.env !== 'production' ? undefined : [
  devDefaults.sessionKeys(c) ? 'production needs SESSION_KEYS of at least 32 characters each (the default key is refused)' : [],
  devDefaults.secretPepper(c) ? 'production needs SECRET_PEPPER of at least 32 characters (the default is refused)' : [],
  devDefaults.encryptionKey(c) ? 'production needs ENCRYPTION_KEY (32 random bytes); the default is refused' : [],
].flat();
export const deployCheckedRules: Rules<GatehouseConfig>['checks'] = [issuerHttps, metricsToken, productionSecrets];

export const rules: Rules<GatehouseConfig> = {
  derived: {
    issuer: (c) => `http://localhost:${c.port}`,
    allowInsecureTransport: (c) => c.env !== 'production',
    // FAPI 2.0 §5.3.2.2: PAR for every client; set false explicitly, `check --deploy` reports the contradiction.
    requirePushedAuthorizationRequests: (c) => has(c.securityProfile, 'fapi2:par-required'),
  },
  checks: [
    issuerHttps,
    (c) => (c.clientIdMetadata.minTtl <= c.clientIdMetadata.maxTtl ? undefined : 'CLIENT_ID_METADATA_MIN_TTL must not exceed CLIENT_ID_METADATA_MAX_TTL'),
    // A maximum bounds every lifetime, the server's default too (attacker read 19, F4: ACCESS_TOKEN_TTL=7200 under a
    // 600 s maximum issued 7,200 s tokens, past what JWT key retention was sized for).
    ...([['accessTokenTtl', 'accessTokenMaxLifetime', 'ACCESS_TOKEN'], ['refreshTokenTtl', 'refreshTokenMaxLifetime', 'REFRESH_TOKEN'], ['authorizationCodeTtl', 'authorizationCodeMaxLifetime', 'AUTHORIZATION_CODE']] as const)
      .map(([ttl, max, env]) => (c: GatehouseConfig) => (c.tokens[ttl] <= c.tokens[max] ? undefined : `${env}_TTL (${c.tokens[ttl]} s) must not exceed ${env}_MAX_LIFETIME (${c.tokens[max]} s)`)),
    metricsToken,
    accessTokenAlgUnderProfile,
    (c) => c.defaultScopes.filter((s) => !(s in c.scopes)).map((s) => `DEFAULT_SCOPES names unknown scope "${s}"`),
    (c) => (Object.keys(c.scopes).length <= MAX_SCOPES ? undefined : `scopes names more than ${MAX_SCOPES} scopes`),
    productionSecrets,
  ],
};
