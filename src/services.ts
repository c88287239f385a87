import { FAPI2_ALGS, has } from './oauth2/security-profile/rules.ts';
import type { Context } from 'koa';
import { hkdfSync } from 'node:crypto';
import { dpopAlgs, DpopNonces } from './oauth2/dpop/index.ts';
import type { HttpDpop } from './http/dpop.ts';
import type { GatehouseConfig } from './config.ts';
import { createLogger, silentLogger, type Logger } from './logger.ts';
import { dialectOf, initStorage, type Orm } from './storage/orm.ts';
import { createStores } from './storage/index.ts';
import { createSql } from './storage/sql.ts';
import { MemoryStreamSlots } from './storage/stream-slots.ts';
import { MemoryRateLimiter, SqlRateLimiter, type RateLimiter } from './storage/rate-limit.ts';
import { CLIENT_CACHE_MS } from './storage/application.repository.ts';
import { TOKEN_CACHE_MS } from './storage/token-cache.ts';
import { watchExternalChanges } from './storage/external-changes.ts';
import { createPasswordThrottle } from './accounts/password-throttle.ts';
import { parseKey } from './oauth1/secret-box.ts';
import type { ClientDeps } from './oauth2/clients.ts';
import { CredentialMemo } from './oauth2/credential-memo.ts';
import { createRenderer } from './http/render.ts';
import { ConsentForms } from './http/consent-form.ts';
import { createRequireToken } from './http/protect.ts';
import { createRequireOAuth1 } from './http/routes/oauth1.ts';
import { KeyRing } from './oidc/keys.ts';
import { createBackchannel } from './oidc/logout.ts';
import { createLoginSessions } from './oidc/login-sessions.ts';
import { createJwtAccessTokens, longestSignedLifetime } from './oidc/access-token.ts';
import { createIdTokenIssuer } from './oidc/id-token.ts';
import { registrationPolicy, Subjects } from './oidc/subject.ts';
import { getDocument, getJson, getJsonDocument } from './oidc/outbound.ts';
import { REQUEST_OBJECT_MEDIA_TYPE, REQUEST_URI_MAX_BYTES, REQUEST_URI_TIMEOUT_MS, type RequestUriFetcher } from './oauth2/par/request-uri.ts';
import { ClientKeys } from './oauth2/client-assertion/client-keys.ts';
import type { AssertionVerifier } from './oauth2/client-assertion/verify-assertion.ts';
import { ClientSecretVault } from './storage/client-secret-vault.ts';
import { METADATA_DOCUMENT_MAX_BYTES } from './oauth2/client-id-metadata.ts';
import { MetadataClientResolver, withMetadataClients } from './oauth2/metadata-client-resolver.ts';
import { InvalidClient } from './oauth2/errors.ts';
import { resourceCatalog } from './oauth2/resources.ts';
import { boundedFailureEvents } from './http/failure-events.ts';

/** Byte cap on a jwks_uri document (at most 10 keys, oauth2/client-registration.ts publicJwkSet). */
const JWKS_MAX_BYTES = 64 * 1024;

export interface GatehouseDeps {
  logger?: Logger;
  limiter?: RateLimiter;
  /** Back-channel logout retry delays (ms); tests shorten them. */
  backchannelRetryDelaysMs?: readonly number[];
}

/** RFC 9449 §8: a server nonce is accepted in its period and the next (stateless: an HMAC of the period). */
const DPOP_NONCE_PERIOD_S = 300;
/** Opens Redis (loaded only when REDIS_URL is set); a failure closes the database already opened. */
async function connectRedis(url: string, prefix: string, orm: Orm, commandTimeoutMs: number) {
  try {
    const { createRedisState } = await import('./storage/redis.ts');
    return await createRedisState(url, { prefix, commandTimeoutMs });
  } catch (e) {
    await orm.close(true);
    throw e;
  }
}

export type Services = Awaited<ReturnType<typeof createServices>>;

/** What the lanes and routers are made of: storage, caches, throttles, the logger, the renderer. */
export async function createServices(config: GatehouseConfig, deps: GatehouseDeps = {}) {
  const logger = deps.logger ?? (config.env === 'test' ? silentLogger : createLogger());
  const orm = await initStorage(config);
  const sealKey = parseKey(config.encryptionKey);
  const dialect = dialectOf(config);
  const sql = await createSql(orm, dialect);
  // Several instances: Redis holds what they share (sessions, rate limits, nonces) and tells each of them when a
  // client changed. Without Redis they share the database: correct, one query slower (no client cache on PostgreSQL).
  const redis = config.redisUrl ? await connectRedis(config.redisUrl, config.redisPrefix, orm, config.redisCommandTimeoutMs) : undefined;
  const clientCache = redis
    ? { ttlMs: CLIENT_CACHE_MS, onChange: () => { redis.cache.publish('clients').catch(() => {}); } }
    : { ttlMs: dialect === 'postgresql' ? 0 : CLIENT_CACHE_MS };
  // Access-token lookups are cached only where this process is the database's one writer (SQLite): instances
  // sharing PostgreSQL read every time, so a revocation on one is seen by the next request on any other.
  // Resource servers are cached and invalidated alike, on their own topic.
  const resourceCache = redis
    ? { ttlMs: CLIENT_CACHE_MS, onChange: () => { redis.cache.publish('resources').catch(() => {}); } }
    : { ttlMs: clientCache.ttlMs };
  const stores = createStores(orm, sql, { sealKey, clientCache, resourceCache, nonces: redis?.nonces, tokenCacheMs: dialect === 'sqlite' ? TOKEN_CACHE_MS : 0, metadataClients: config.clientIdMetadata.mode === 'on' });
  redis?.cache.subscribe('clients', () => stores.clients.invalidate());
  redis?.cache.subscribe('resources', () => stores.resourceServers.invalidate());
  // GraphQL event subscriptions hear the events of every instance.
  if (redis) stores.events.connectBus(redis.bus);
  const external = sql.dataVersion
    ? watchExternalChanges(sql.dataVersion, () => stores.invalidateCaches(), { onError: (e) => logger.error('cannot read PRAGMA data_version; caches are emptied every check until it answers', { error: String((e as Error)?.message ?? e) }) })
    : undefined;
  // One process on SQLite counts in memory; instances count in Redis, or else in the database they share.
  // Open event streams per user: in this process, or across instances in Redis (EVENT_STREAMS_PER_USER).
  const streamSlots = redis?.streams ?? new MemoryStreamSlots();
  const limiter = deps.limiter ?? redis?.limiter ?? (dialect === 'postgresql' ? new SqlRateLimiter(sql) : new MemoryRateLimiter());
  const clientDeps: ClientDeps = {
    clients: stores.clients, events: stores.events, pepper: config.secretPepper, sealKey,
    accountRegistrations: (userId) => limiter.consume(`registration:account:${userId}`, config.rateLimit.registrationsPerAccount, config.rateLimit.windowSeconds),
  };
  // One budget of client-secret checks per (client, source), shared by OAuth 2 client authentication and OAuth 1 signatures.
  const clientThrottle = { limiter, failureLimit: config.rateLimit.clientAuthFailures, windowSeconds: config.rateLimit.windowSeconds };
  // What strangers can make us record (refused client authentications, a public client's refused requests): bounded per source.
  const failureEvents = boundedFailureEvents(stores.events, limiter, { perSource: config.rateLimit.failureEventsPerSource, windowSeconds: config.rateLimit.windowSeconds });
  // PLAINTEXT sends the secrets themselves, so only over TLS or in local development (RFC 5849 §3.4.4).
  const allowPlaintext = (ctx: Context) => ctx.protocol === 'https' || config.allowInsecureTransport;
  // OpenID Connect signing keys. A retired key stays published as long as anything it signed may live: ID Tokens (the
  // access token's lifetime) and RFC 9068 access tokens, whose lifetime a client or a resource server may lengthen.
  const signingKeys = new KeyRing(stores.signingKeys, { sealKey, retainMs: () => longestSignedLifetime(config.tokens) * 1000, events: stores.events });
  // Core §8: every sub a client receives comes from here (pairwise ones keyed from ENCRYPTION_KEY).
  const subjects = new Subjects(sealKey);
  // RFC 9449: proofs checked against a replay cache every instance shares, nonces every instance can verify.
  const dpop: HttpDpop = {
    issuer: () => config.issuer,
    settings: {
      algs: dpopAlgs(has(config.securityProfile, 'fapi2:signing-algs') ? FAPI2_ALGS : undefined),
      iatWindowSeconds: config.dpop.proofWindow, requireNonce: config.dpop.requireNonce, replay: stores.dpopProofs,
      nonces: new DpopNonces(Buffer.from(hkdfSync('sha256', sealKey, Buffer.alloc(0), 'gatehouse dpop nonce v1', 32)), DPOP_NONCE_PERIOD_S),
    },
  };
  // Consent forms: one decision each, only as shown (a token keyed from ENCRYPTION_KEY, spent in the shared limiter).
  const consentForms = new ConsentForms(Buffer.from(hkdfSync('sha256', sealKey, Buffer.alloc(0), 'gatehouse consent form v1', 32)), limiter);
  // Back-Channel Logout deliveries, in the background; outbound calls refuse private targets not allowed (oidc/outbound.ts).
  const backchannel = createBackchannel({
    keys: signingKeys, issuer: () => config.issuer, clients: stores.clients, events: stores.events, subjects,
    outbound: () => ({ pool: 'backchannel', allowedHosts: config.outboundAllowedHosts }), retryDelaysMs: deps.backchannelRetryDelaysMs,
  });
  // Client ID metadata documents: a URL client_id is fetched through the outbound guard and kept as an applications row.
  // A failed outbound document: the caller is told "could not be fetched", the details are for the operator only.
  const logOutbound = (f: { url: string; reason: string; detail: string }) => logger.warn('outbound document could not be fetched', f);
  const policy = registrationPolicy(config, {
    onFailure: logOutbound,
    sectorFetches: async (requester) => {
      const key = `sector-fetch:${requester}`;
      return { ...await limiter.consume(key, config.rateLimit.sectorFetches, config.rateLimit.windowSeconds), refund: () => limiter.refund(key) };
    },
  });
  const cimd = config.clientIdMetadata;
  const metadataClients = cimd.mode === 'on' ? new MetadataClientResolver({
    store: stores.clients, policy,
    fetchDocument: (url, signal) => getJsonDocument(url, { pool: 'metadata', allowedHosts: config.outboundAllowedHosts, signal, maxResponseBytes: METADATA_DOCUMENT_MAX_BYTES, onFailure: logOutbound }),
    limits: { minTtlSeconds: cimd.minTtl, maxTtlSeconds: cimd.maxTtl, maxClients: cimd.maxClients, maxClientsPerHost: cimd.maxClientsPerHost },
  }) : null;
  // RFC 7523 client assertions: jwks_uri read through the same outbound guard (64 KiB, 5 s, no redirects), jtis
  // spent in Redis or the database, client_secret_jwt's secret opened from its sealed copy.
  const clientKeys = new ClientKeys((url) => getJson(url, { pool: 'jwks', allowedHosts: config.outboundAllowedHosts, timeoutMs: 5000, maxResponseBytes: JWKS_MAX_BYTES, onFailure: logOutbound }));
  const vault = new ClientSecretVault(sql, sealKey);
  const assertions: AssertionVerifier = {
    issuer: () => config.issuer, maxLifetimeSeconds: config.clientAssertionMaxLifetime, replay: stores.assertionJtis, keys: clientKeys,
    secretOf: (client) => vault.secretOf(client.id),
    securityProfile: config.securityProfile,
  };
  // RFC 9101 §5.2: request objects by reference, through the same guard (16 KiB, 3 s, no redirects).
  const fetchRequestUri: RequestUriFetcher = (uri) => getDocument(uri, REQUEST_OBJECT_MEDIA_TYPE, { pool: 'request_uri', allowedHosts: config.outboundAllowedHosts, timeoutMs: REQUEST_URI_TIMEOUT_MS, maxResponseBytes: REQUEST_URI_MAX_BYTES, onFailure: logOutbound });
  return {
    config, logger, orm, fetchRequestUri, sql, redis, stores, limiter, streamSlots, clientDeps, clientThrottle, failureEvents, allowPlaintext, signingKeys, subjects, backchannel, dpop, consentForms,
    /** The registration rules' settings (sector documents fetched with failures logged and budgeted), for every surface that registers. */
    registrationPolicy: policy,
    // Which RPs each login session signed in to, by user: sessions ended away from the browser still reach them.
    loginSessions: createLoginSessions({ store: stores.loginSessions, users: stores.users, backchannel, events: stores.events, tokens: stores.tokens }),
    accessTokens: createJwtAccessTokens({ keys: signingKeys, issuer: () => config.issuer, subjects, alg: config.tokens.accessTokenSigningAlg }),
    idTokens: createIdTokenIssuer({ keys: signingKeys, issuer: () => config.issuer, ttl: () => config.tokens.accessTokenTtl, users: stores.users, subjects }),
    render: createRenderer({ siteName: 'Gatehouse', cache: true, playground: config.playground }),
    sessionStore: redis?.sessions ?? stores.sessions,
    // One budget of password guesses per username and per source for the login page and the password grant.
    passwordThrottle: createPasswordThrottle(limiter, config.rateLimit),
    // What the token, revocation and introspection endpoints need to authenticate clients (one memo of verified Basic credentials).
    clientAuth: { ...clientDeps, events: failureEvents, ...clientThrottle, verified: new CredentialMemo(), assertions, securityProfile: config.securityProfile, clients: withMetadataClients(stores.clients, metadataClients, (d) => new InvalidClient(d)) },
    /** The client lookup of the authorization endpoint (a metadata document's failure is an error page there). */
    metadataClients,
    requireToken: createRequireToken(stores.tokens, { issuer: () => config.issuer, dpop }),
    /** RFC 8707: the registered resource servers and Gatehouse's own APIs (the issuer), read when a request may name one. */
    resourceCatalog: async () => resourceCatalog(await stores.resourceServers.all(), config.issuer),
    requireOAuth1: createRequireOAuth1({ store: stores.oauth1, users: stores.users, allowPlaintext, throttle: clientThrottle, securityProfile: config.securityProfile }),
    /** Stops what the services hold open: the change watcher, Redis, the database. */
    async close() {
      external?.stop();
      await redis?.close();
      await orm.close(true);
    },
  };
}
