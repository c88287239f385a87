import Koa from 'koa';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RequestContext } from '@mikro-orm/core';
import { resolveConfig, type ConfigOverrides, type GatehouseConfig } from './config.ts';
import { createLogger, silentLogger, type Logger } from './logger.ts';
import { dialectOf, initStorage, type Orm } from './storage/orm.ts';
import { createStores, type Stores } from './storage/index.ts';
import { createSql } from './storage/sql.ts';
import { MemoryRateLimiter, SqlRateLimiter, type RateLimiter } from './storage/rate-limit.ts';
import { createPasswordThrottle } from './accounts/password-throttle.ts';
import { createRenderer } from './http/render.ts';
import { accessLog, requestId, ormContext } from './http/middleware/request-context.ts';
import { errorHandler } from './http/middleware/errors.ts';
import { rejectNul } from './http/middleware/reject-nul.ts';
import { byteLimit, formBody } from './http/middleware/form-body.ts';
import { apiSecurityHeaders, httpsOnly, securityHeaders } from './http/middleware/security-headers.ts';
import { isProtocolPath } from './http/paths.ts';
import compose from 'koa-compose';
import { sessionUser } from './http/middleware/session-user.ts';
import { SESSION_COOKIE, SIGNED_IN_SESSION_MS } from './http/middleware/csrf.ts';
import { homeRoutes } from './http/routes/home.ts';
import { loginRoutes } from './http/routes/login.ts';
import { applicationRoutes } from './http/routes/applications.ts';
import { authorizeRoutes } from './http/routes/authorize.ts';
import { tokenRoutes } from './http/routes/token.ts';
import { revokeRoutes } from './http/routes/revoke.ts';
import { introspectRoutes } from './http/routes/introspect.ts';
import { metadataRoutes } from './http/routes/metadata.ts';
import { authorizedRoutes } from './http/routes/authorized.ts';
import { resourceExampleRoutes } from './http/routes/resource-examples.ts';
import { createRequireOAuth1, oauth1Routes } from './http/routes/oauth1.ts';
import { healthRoutes } from './http/routes/health.ts';
import { mountAll } from './http/mount.ts';
import { playgroundRoutes } from './http/routes/playground.ts';
import { createRequireToken, type RequireTokenOptions } from './http/protect.ts';
import { protocolCors } from './http/middleware/cors.ts';
import { authorizationServerMetadata } from './oauth2/metadata.ts';
import { parseKey } from './oauth1/secret-box.ts';
import type { ClientDeps } from './oauth2/clients.ts';
import { CredentialMemo } from './oauth2/credential-memo.ts';
import type { Context, Middleware } from 'koa';
import { createSeeder, type Seeder } from './seed.ts';
import { CLIENT_CACHE_MS } from './storage/application.repository.ts';
import { TOKEN_CACHE_MS } from './storage/token-cache.ts';
import { watchExternalChanges } from './storage/external-changes.ts';

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

export interface GatehouseDeps {
  logger?: Logger;
  limiter?: RateLimiter;
}

export interface Gatehouse {
  config: GatehouseConfig;
  koa: Koa;
  orm: Orm;
  stores: Stores;
  seed: Seeder;
  /** What client registration needs (CLI, seeding, GraphQL share it with the pages). */
  clientDeps: ClientDeps;
  /** RFC 6750 middleware for resource routes mounted on this app or another Koa app in the same process. */
  requireToken(opts?: RequireTokenOptions): Middleware;
  /** RFC 5849 §3 middleware for resources signed with OAuth 1 token credentials. */
  requireOAuth1(opts?: { realm?: string }): Middleware;
  /** Starts an HTTP server (port 0 picks a free one); resolves with its base URL. */
  listen(port?: number, host?: string): Promise<{ url: string; server: Server }>;
  /** Stops the server (if listening) and closes the database: no handle stays open. */
  close(): Promise<void>;
  /** Runs a function with its own EntityManager, as a request would (for scripts and tests). */
  withContext<T>(fn: () => Promise<T>): Promise<T>;
}

/** The whole server, wired. The in-process API for test suites: `await createApp({ database: { file: ':memory:' } })`. */
export async function createApp(overrides: ConfigOverrides = {}, deps: GatehouseDeps = {}): Promise<Gatehouse> {
  const config = resolveConfig(overrides);
  const issuerIsExplicit = overrides.issuer !== undefined;
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
  const stores = createStores(orm, sql, { sealKey, clientCache, nonces: redis?.nonces, tokenCacheMs: dialect === 'sqlite' ? TOKEN_CACHE_MS : 0 });
  redis?.cache.subscribe('clients', () => stores.clients.invalidate());
  const external = sql.dataVersion
    ? watchExternalChanges(sql.dataVersion, () => stores.invalidateCaches(), { onError: (e) => logger.error('cannot read PRAGMA data_version; caches are emptied every check until it answers', { error: String((e as Error)?.message ?? e) }) })
    : undefined;
  // One process on SQLite counts in memory; instances count in Redis, or else in the database they share.
  const limiter = deps.limiter ?? redis?.limiter ?? (dialect === 'postgresql' ? new SqlRateLimiter(sql) : new MemoryRateLimiter());
  const clientDeps = { clients: stores.clients, events: stores.events, pepper: config.secretPepper, sealKey };
  const render = createRenderer({ siteName: 'Gatehouse', cache: true, playground: config.playground });

  const koa = new Koa({ proxy: config.trustProxy, keys: config.sessionKeys });
  koa.silent = true;
  // Sessions, the JSON/form body parser of the pages and graphql-yoga serve pages and the admin API only: each
  // loads on its first request (lazy), so start-up and a server that only answers the protocol endpoints never
  // pay for them. graphql-yoga is the heaviest (~18 MB resident once loaded).
  // The session cookie is Secure unless insecure transport is allowed: there, pages asked over http go to https first.
  const sessionStore = redis?.sessions ?? stores.sessions;
  const sessionMiddleware = compose([...(config.allowInsecureTransport ? [] : [httpsOnly({ origin: () => new URL(config.issuer).origin })]), lazy(async () => (await import('koa-session')).default({
    key: SESSION_COOKIE,
    signed: true,
    httpOnly: true,
    sameSite: 'lax',
    secure: !config.allowInsecureTransport,
    maxAge: SIGNED_IN_SESSION_MS,
    renew: true,
    store: sessionStore,
  }, koa))]);
  const graphqlMiddleware = lazy(async () => (await import('./graphql/server.ts')).createGraphQL({
    stores, config, clientDeps, sessions: sessionStore, graphiql: config.env !== 'production', logError: (e) => logger.error('graphql error', { error: (e as Error)?.stack ?? String(e) }),
  }));

  const policy = { allowInsecureTransport: config.allowInsecureTransport, knownScopes: Object.keys(config.scopes) };
  const audit = (ctx: Context) => ({ ip: ctx.ip as string | null, requestId: ctx.state.requestId as string | null });
  const { tokens: ttl } = config;
  const requireToken = createRequireToken(stores.tokens);
  // One budget of password guesses per username and per source for the login page and the password grant.
  const passwordThrottle = createPasswordThrottle(limiter, config.rateLimit);
  // PLAINTEXT sends the secrets themselves, so only over TLS or in local development (RFC 5849 §3.4.4).
  const allowPlaintext = (ctx: Context) => ctx.protocol === 'https' || config.allowInsecureTransport;
  // One budget of client-secret checks per (client, source), shared by OAuth 2 client authentication and OAuth 1 signatures.
  const clientThrottle = { limiter, failureLimit: config.rateLimit.clientAuthFailures, windowSeconds: config.rateLimit.windowSeconds };
  const requireOAuth1 = createRequireOAuth1({ store: stores.oauth1, users: stores.users, allowPlaintext, throttle: clientThrottle });
  const issuer = () => config.issuer;
  const oauth1 = oauth1Routes({
    store: stores.oauth1, users: stores.users, grants: stores.grants, events: stores.events, render, allowPlaintext, throttle: clientThrottle, realm: 'gatehouse',
    temporaryTtl: config.tokens.oauth1TemporaryTtl, clientName: async (id) => (await stores.clients.findById(id))?.name ?? 'An application',
  });
  const pageRouters = [
    homeRoutes({ render }),
    loginRoutes({ users: stores.users, events: stores.events, passwords: passwordThrottle, render }),
    applicationRoutes({ ...clientDeps, render, policy, scopes: config.scopes }),
    authorizeRoutes({
      settings: { clients: stores.clients, allowPlainPkce: config.pkce.allowPlain, defaultScopes: config.defaultScopes },
      approvalPrompt: config.approvalPrompt, scopes: config.scopes, grants: stores.grants, users: stores.users, render, issuer,
      approveDeps: (ctx) => ({ tokens: stores.tokens, grants: stores.grants, events: stores.events, settings: { issuer: config.issuer, ...ttl }, now: Date.now(), audit: audit(ctx) }),
    }),
    authorizedRoutes({ grants: stores.grants, tokens: stores.tokens, events: stores.events, render, scopes: config.scopes }),
    oauth1,
    ...(config.playground ? [playgroundRoutes({ clients: stores.clients, clientDeps, policy, render, issuer })] : []),
  ];
  // What the token, revocation and introspection endpoints need to authenticate clients (one memo of verified Basic credentials).
  const clientAuth = {
    ...clientDeps, ...clientThrottle, verified: new CredentialMemo(),
  };
  const apiRouters = [
    healthRoutes({ ping: async () => { await Promise.all([stores.sql.get('select 1 as ok'), redis?.ping()]); } }),
    tokenRoutes({
      ...clientAuth,
      grantContext: (ctx) => ({
        tokens: stores.tokens, grants: stores.grants, users: stores.users, events: stores.events, now: Date.now(), audit: audit(ctx), passwordThrottle,
        settings: { accessTokenTtl: ttl.accessTokenTtl, refreshTokenTtl: ttl.refreshTokenTtl, defaultScopes: config.defaultScopes, allowPlainPkce: config.pkce.allowPlain },
      }),
    }),
    revokeRoutes({ ...clientAuth, tokens: stores.tokens }),
    introspectRoutes({ ...clientAuth, tokens: stores.tokens, issuer }),
    metadataRoutes({ metadata: () => authorizationServerMetadata({ issuer: config.issuer, scopes: Object.keys(config.scopes), allowPlainPkce: config.pkce.allowPlain }) }),
    oauth1,
    resourceExampleRoutes({ requireToken, requireOAuth1 }),
  ];
  const parse = [
    lazy(async () => (await import('koa-bodyparser')).default({ enableTypes: ['json', 'form'], formLimit: config.bodyLimit, jsonLimit: config.bodyLimit, strict: true })),
    rejectNul(),
  ];
  const parseProtocol = [formBody({ limit: byteLimit(config.bodyLimit) }), rejectNul()];
  // Pages: sessions, CSP nonces, one EntityManager per request, and the GraphQL admin API (session or token).
  const serveGraphql: Middleware = (ctx, next) => (ctx.path === '/graphql' ? graphqlMiddleware(ctx, next) : next());
  const pageLane = compose([
    securityHeaders({ hsts: !config.allowInsecureTransport }), ...parse, ormContext(orm), sessionMiddleware, sessionUser(stores.users),
    serveGraphql,
    mountAll(pageRouters),
  ]);
  // The admin API called with a bearer token (admin UIs, scripts): the token is the whole identity, so no session,
  // CSP nonce or EntityManager fork (repositories fork one when they need it), and the protocol lane's body reader
  // (JSON or form, as koa-bodyparser read them, without co-body and raw-body). Browsers' session calls take the page lane.
  const graphqlBearerLane = compose([apiSecurityHeaders({ hsts: !config.allowInsecureTransport }), ...parseProtocol, serveGraphql]);
  // Protocol endpoints: no session, no ORM fork, prepared SQL only (the hot paths).
  const apiLane = compose([
    apiSecurityHeaders({ hsts: !config.allowInsecureTransport }),
    protocolCors({ allowAll: config.cors.allowAll, origins: config.cors.origins, registeredOrigins: () => stores.clients.registeredOrigins() }),
    ...parseProtocol,
    mountAll(apiRouters),
  ]);

  koa.use(requestId());
  if (config.logRequests) koa.use(accessLog(logger));
  koa.use(errorHandler(logger, render));
  const bearer = /^bearer\s/i;
  koa.use((ctx, next) => {
    if (ctx.path === '/graphql') return (bearer.test(ctx.get('authorization')) ? graphqlBearerLane : pageLane)(ctx, next);
    return (isProtocolPath(ctx.path) ? apiLane : pageLane)(ctx, next);
  });

  let server: Server | undefined;
  const withContext = <T>(fn: () => Promise<T>) => RequestContext.create(orm.em, fn);

  return {
    config, koa, orm, stores, withContext, requireToken, requireOAuth1, clientDeps,
    seed: createSeeder({ config, withContext, clientDeps, users: stores.users }),
    async listen(port = config.port, host = config.host) {
      server = koa.listen(port, host);
      await new Promise<void>((resolve, reject) => { server!.once('listening', resolve); server!.once('error', reject); });
      const actual = (server.address() as AddressInfo).port;
      if (!issuerIsExplicit) config.issuer = `http://localhost:${actual}`;
      return { url: `http://localhost:${actual}`, server };
    },
    async close() {
      if (server) {
        await new Promise<void>((resolve) => { server!.close(() => resolve()); server!.closeIdleConnections(); });
        server = undefined;
      }
      external?.stop();
      await redis?.close();
      await orm.close(true);
    },
  };
}

/** A middleware built on its first request (its module loads then); a failed load is tried again on the next one. */
function lazy(load: () => Promise<Middleware>): Middleware {
  let built: Promise<Middleware> | undefined;
  return async (ctx, next) => (await (built ??= load().catch((e) => { built = undefined; throw e; })))(ctx, next);
}
