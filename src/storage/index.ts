import { RequestContext, type EntityManager } from '@mikro-orm/core';
import type { Orm } from './orm.ts';
import { ApplicationRepository, CLIENT_CACHE_MS, type ClientCacheOptions } from './application.repository.ts';
import { UserRepository } from './user.repository.ts';
import { EventRepository } from './event.repository.ts';
import { SessionRepository } from './session.repository.ts';
import { LoginSessionRepository } from './login-session.repository.ts';
import { PushedRequestRepository } from './pushed-request.repository.ts';
import { TokenRepository } from './token.repository.ts';
import { GrantRepository } from './grant.repository.ts';
import { AdminRepository } from './admin.repository.ts';
import type { AdminStore } from './admin-store.ts';
import { OAuth1Repository } from './oauth1.repository.ts';
import { SigningKeyRepository } from './signing-key.repository.ts';
import type { Sql } from './sql.ts';
import type { NonceStore } from './oauth1.repository.ts';
import { DpopProofRepository } from './dpop-proof.repository.ts';
import { TokenCache } from './token-cache.ts';
import { ResourceServerRepository } from './resource-server.repository.ts';
import { DeviceCodeRepository } from './device-code.repository.ts';
import { AssertionJtiRepository } from './client-assertion-jti.repository.ts';

export type Stores = ReturnType<typeof createStores>;

/**
 * Repositories use the request's EntityManager (DESIGN rule 7). Protocol endpoints run without one (their hot
 * paths are plain SQL); an ORM call there, e.g. a client-cache miss, gets a short-lived fork of its own.
 */
export function createStores(orm: Orm, sql: Sql, opts: { sealKey: Buffer; clientCache?: ClientCacheOptions; resourceCache?: ClientCacheOptions; nonces?: NonceStore; tokenCacheMs?: number; metadataClients?: boolean }) {
  const em = (): EntityManager => RequestContext.getEntityManager() ?? orm.em.fork();
  // One cache of access-token lookups, cleared by every repository whose writes can end a token's life.
  const tokenCache = new TokenCache(opts.tokenCacheMs ?? 0);
  const clients = new ApplicationRepository(em, sql, opts.clientCache ?? { ttlMs: CLIENT_CACHE_MS }, tokenCache, { metadataClients: opts.metadataClients ?? true });
  const tokens = new TokenRepository(sql, tokenCache);
  // The admin API sees its store through the interface only (src/graphql: no table or column names).
  const resourceServers = new ResourceServerRepository(sql, opts.resourceCache ?? { ttlMs: opts.clientCache?.ttlMs ?? CLIENT_CACHE_MS });
  const events = new EventRepository(sql);
  const admin: AdminStore = new AdminRepository(sql, tokenCache, { clients, tokens, resourceServers, events });
  return {
    sql,
    /** Forgets every cached read (clients, resource servers, access-token lookups): for writes made outside this process. */
    invalidateCaches() { tokenCache.clear(); clients.invalidate(); resourceServers.invalidate(); },
    users: new UserRepository(em, tokenCache, sql),
    clients,
    events,
    sessions: new SessionRepository(em),
    loginSessions: new LoginSessionRepository(em),
    pushedRequests: new PushedRequestRepository(em),
    tokens,
    grants: new GrantRepository(sql),
    admin,
    oauth1: new OAuth1Repository(sql, opts.sealKey, opts.nonces),
    signingKeys: new SigningKeyRepository(em),
    /** RFC 8707 resource servers (administrators register them through GraphQL or the CLI). */
    resourceServers,
    devices: new DeviceCodeRepository(sql),
    /** RFC 9449 §11.1: DPoP proofs seen (Redis when shared through it, else the database). */
    dpopProofs: new DpopProofRepository(sql, opts.nonces),
    /** RFC 7523 client-assertion jtis, single use across instances (Redis when there is one). */
    assertionJtis: new AssertionJtiRepository(sql, opts.nonces),
  };
}
