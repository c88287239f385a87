import Koa from 'koa';
import type { Middleware } from 'koa';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RequestContext } from '@mikro-orm/core';
import { resolveConfig, type ConfigOverrides, type GatehouseConfig } from './config.ts';
import { createServices, type GatehouseDeps } from './services.ts';
import type { Orm } from './storage/orm.ts';
import type { Stores } from './storage/index.ts';
import type { ClientDeps } from './oauth2/clients.ts';
import type { RequireTokenOptions } from './http/protect.ts';
import { protectedResourceMetadata, requireResourceIdentifier } from './http/resource-metadata.ts';
import type { ProtectedResourceMetadataInput } from './oauth2/resource-metadata.ts';
import { accessLog, requestId } from './http/middleware/request-context.ts';
import { errorHandler } from './http/middleware/errors.ts';
import { laneChains, mountByLane } from './http/lanes.ts';
import { createRouters } from './http/routers.ts';
import { createMetrics, metricsRoutes } from './http/metrics.ts';
import { reasonOf, REQUEST_REFUSED } from './oauth2/failure-reasons.ts';
import { createSeeder, type Seeder } from './seed.ts';
import type { KeyRing } from './oidc/keys.ts';
import type { Backchannel } from './oidc/logout.ts';
import type { LoginSessions } from './oidc/login-sessions.ts';

export type { GatehouseDeps } from './services.ts';

export interface Gatehouse {
  config: GatehouseConfig;
  koa: Koa;
  orm: Orm;
  stores: Stores;
  seed: Seeder;
  /** What client registration needs (CLI, seeding, GraphQL share it with the pages). */
  clientDeps: ClientDeps;
  /** OpenID Connect signing keys: generated at first start, rotated by `gatehouse rotatekeys`. */
  signingKeys: KeyRing;
  /** Back-Channel Logout deliveries; `idle()` resolves when those started have finished. */
  backchannel: Backchannel;
  /** Ends a user's browser sessions and tells the RPs they signed in to (the CLI's deactivateuser, setpassword, endsessions). */
  loginSessions: LoginSessions;
  /** RFC 6750 middleware for resource routes mounted on this app or another Koa app in the same process. */
  requireToken(opts?: RequireTokenOptions): Middleware;
  /**
   * RFC 9728 middleware serving a resource server's metadata at its path-inserted well-known URL, naming this
   * Gatehouse as its authorization server (pair it with requireToken({ resource })).
   */
  protectedResourceMetadata(opts: Omit<ProtectedResourceMetadataInput, 'authorizationServers'> & { authorizationServers?: string[] }): Middleware;
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
  // 1. Services: storage, caches, throttles, logger, renderer (src/services.ts).
  const services = await createServices(config, deps);
  const { orm, stores, clientDeps, requireToken, requireOAuth1 } = services;
  // Behind TRUST_PROXY the client's address is the X-Forwarded-For entry our outermost proxy appended (maxIpsCount):
  // Koa would otherwise take the first entry, which the client writes, and every per-source throttle could be dodged.
  const koa = new Koa({ proxy: config.trustProxy, maxIpsCount: config.trustProxyHops, keys: config.sessionKeys });
  koa.silent = true;
  // 2. What every request goes through, then the lane its route declared (src/http/lanes.ts, src/http/router.ts).
  koa.use(requestId());
  // Metrics wrap everything after the request id, the error handler included: they see each final status.
  const metrics = config.metrics.mode === 'on' ? createMetrics({
    dbPing: () => services.stores.sql.get('select 1 as ok'), redis: services.redis, subscribers: () => stores.events.listenerCount,
  }) : undefined;
  if (metrics) koa.use(metrics.middleware);
  if (config.logRequests) koa.use(accessLog(services.logger));
  // A refused request of an authenticated client is kept, with its reason code, on an event linked to the client
  // (src/oauth2/failure-reasons.ts). A public client proves nothing, so these rows go through the per-source bound
  // (src/http/failure-events.ts).
  koa.use(errorHandler(services.logger, services.render, async (ctx, err) => {
    const client = ctx.state.client as { clientId: string } | undefined;
    if (!client) return;
    await services.failureEvents.record({ type: REQUEST_REFUSED, clientId: client.clientId, ip: ctx.ip, requestId: ctx.state.requestId as string, detail: { reason: reasonOf(err), error: err.error, path: ctx.path } });
  }));
  // 3. The routers (src/http/routers.ts), each in its lane's chain; a router without a lane stops the start.
  try {
    const routers = createRouters(services);
    if (metrics) routers.push(metricsRoutes({ registry: metrics.registry, token: config.metrics.token! }));
    koa.use(mountByLane(routers, laneChains(services, koa)));
  } catch (e) {
    await services.close();
    throw e;
  }

  let server: Server | undefined;
  const withContext = <T>(fn: () => Promise<T>) => RequestContext.create(orm.em, fn);

  return {
    config, koa, orm, stores, withContext, requireToken, requireOAuth1, clientDeps, signingKeys: services.signingKeys, backchannel: services.backchannel, loginSessions: services.loginSessions,
    seed: createSeeder({ config, withContext, clientDeps, users: stores.users }),
    protectedResourceMetadata: (opts) => {
      requireResourceIdentifier(opts.resource);
      return protectedResourceMetadata(() => ({ ...opts, authorizationServers: opts.authorizationServers ?? [config.issuer] }));
    },
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
      await services.close();
    },
  };
}
