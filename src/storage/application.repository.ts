import { raw, type EntityManager } from '@mikro-orm/core';
import type { TokenCache } from './token-cache.ts';
import { Application, type ApplicationEntity } from './application.entity.ts';
import { InitialAccessToken } from './initial-access-token.entity.ts';
import { User } from './user.entity.ts';
import type { AccessTokenFormat, ApplicationType, ClientInput, ClientOrigin, RegistrationStore, ClientRecord, ClientStore, ClientType, GrantType, IdTokenSigningAlg, ResponseType, SubjectType, TokenEndpointAuthMethod } from '../oauth2/store.ts';
import { grantResponseTypes } from '../oauth2/response-types.ts';
import { readTokenExchangePolicy, writeTokenExchangePolicy, type TokenExchangePolicy } from '../oauth2/token-exchange/policy.ts';
import type { MetadataClientStore, MetadataScope } from '../oauth2/metadata-client-resolver.ts';

const split = (s: string): string[] => s.split(/\s+/).filter(Boolean);

/** The stored response_types; '' (clients registered before the column existed): the response types of its grants. */
export const readResponseTypes = (stored: unknown, grantTypes: GrantType[]): ResponseType[] =>
  (stored ? String(stored).split(',').filter(Boolean) as ResponseType[] : grantResponseTypes(grantTypes));

function toRecord(a: ApplicationEntity): ClientRecord {
  return {
    id: a.id,
    clientId: a.clientId,
    name: a.name,
    applicationType: a.applicationType as ApplicationType,
    clientType: a.clientType as ClientType,
    secretHash: a.secretHash ?? null,
    grantTypes: split(a.grantTypes) as GrantType[],
    redirectUris: split(a.redirectUris),
    allowedScopes: split(a.allowedScopes),
    skipAuthorization: a.skipAuthorization,
    allowedOrigins: split(a.allowedOrigins),
    tokenEndpointAuthMethod: a.tokenEndpointAuthMethod as TokenEndpointAuthMethod,
    oauth1Enabled: a.oauth1Enabled,
    rsaPublicKey: a.rsaPublicKey ?? null,
    postLogoutRedirectUris: split(a.postLogoutRedirectUris),
    backchannelLogoutUri: a.backchannelLogoutUri ?? null,
    backchannelLogoutSessionRequired: a.backchannelLogoutSessionRequired,
    frontchannelLogoutUri: a.frontchannelLogoutUri ?? null,
    frontchannelLogoutSessionRequired: a.frontchannelLogoutSessionRequired,
    dpopBoundAccessTokens: a.dpopBoundAccessTokens,
    accessTokenFormat: a.accessTokenFormat as AccessTokenFormat,
    idTokenSignedResponseAlg: a.idTokenSignedResponseAlg as IdTokenSigningAlg,
    responseTypes: readResponseTypes(a.responseTypes, split(a.grantTypes) as GrantType[]),
    userinfoSignedResponseAlg: (a.userinfoSignedResponseAlg ?? null) as IdTokenSigningAlg | null,
    subjectType: a.subjectType as SubjectType,
    sectorIdentifierUri: a.sectorIdentifierUri ?? null,
    jwks: a.jwks ?? null,
    requestObjectSigningAlg: a.requestObjectSigningAlg ?? null,
    accessTokenLifetime: a.accessTokenLifetime ?? null,
    refreshTokenLifetime: a.refreshTokenLifetime ?? null,
    authorizationCodeLifetime: a.authorizationCodeLifetime ?? null,
    jwksUri: a.jwksUri ?? null,
    tokenEndpointAuthSigningAlg: a.tokenEndpointAuthSigningAlg ?? null,
    requestUris: split(a.requestUris ?? ''),
    hasOAuth1Secret: Boolean(a.oauth1SecretSealed),
    ownerId: (a.owner as unknown as { id: number }).id,
    registered: a.registered as ClientOrigin,
    tokenExchange: readTokenExchangePolicy(a.tokenExchange),
    metadataExpiresAt: a.metadataExpiresAt ?? null,
    metadataLastUsedAt: a.metadataLastUsedAt ?? null,
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
  };
}

function columns(input: ClientInput) {
  return {
    name: input.name,
    applicationType: input.applicationType,
    clientType: input.clientType,
    grantTypes: input.grantTypes.join(' '),
    redirectUris: input.redirectUris.join(' '),
    allowedScopes: input.allowedScopes.join(' '),
    skipAuthorization: input.skipAuthorization,
    allowedOrigins: input.allowedOrigins.join(' '),
    tokenEndpointAuthMethod: input.tokenEndpointAuthMethod,
    oauth1Enabled: input.oauth1Enabled,
    rsaPublicKey: input.rsaPublicKey,
    postLogoutRedirectUris: input.postLogoutRedirectUris.join(' '),
    backchannelLogoutUri: input.backchannelLogoutUri,
    backchannelLogoutSessionRequired: input.backchannelLogoutSessionRequired,
    frontchannelLogoutUri: input.frontchannelLogoutUri,
    frontchannelLogoutSessionRequired: input.frontchannelLogoutSessionRequired,
    dpopBoundAccessTokens: input.dpopBoundAccessTokens,
    accessTokenFormat: input.accessTokenFormat,
    idTokenSignedResponseAlg: input.idTokenSignedResponseAlg,
    // Comma-separated: a response type holds spaces (code id_token).
    responseTypes: input.responseTypes.join(','),
    userinfoSignedResponseAlg: input.userinfoSignedResponseAlg,
    subjectType: input.subjectType,
    sectorIdentifierUri: input.sectorIdentifierUri,
    jwks: input.jwks,
    requestObjectSigningAlg: input.requestObjectSigningAlg,
    accessTokenLifetime: input.accessTokenLifetime,
    refreshTokenLifetime: input.refreshTokenLifetime,
    authorizationCodeLifetime: input.authorizationCodeLifetime,
    jwksUri: input.jwksUri,
    tokenEndpointAuthSigningAlg: input.tokenEndpointAuthSigningAlg,
    requestUris: input.requestUris.join(' '),
  };
}

/**
 * Reads that answer a record take the row as stored, never the EntityManager's copy: this repository writes single
 * columns with nativeUpdate (compare-and-set secrets, the token exchange policy, metadata refreshes), which a managed
 * entity does not see, so a read after a write in the same request (a mutation answering the client it changed)
 * returned the old value.
 */
const AS_STORED = { disableIdentityMap: true } as const;

/** How long another instance's change to a client may take to show here (this instance's own changes show at once). */
export const CLIENT_CACHE_MS = 10_000;
const CLIENT_CACHE_MAX = 10_000;

/**
 * `ttlMs` 0 turns the cache off (instances sharing a database without a bus to tell each other of changes);
 * `onChange` runs after this instance changed a client, to tell the others (Redis pub/sub).
 */
export interface ClientCacheOptions { ttlMs: number; onChange?: () => void }

/** CLIENT_ID_METADATA_DOCUMENTS: off, a metadata row left behind is no client for any lookup by client_id. */
export interface ClientLookupOptions { metadataClients: boolean }

export class ApplicationRepository implements ClientStore, RegistrationStore, MetadataClientStore {
  readonly #em: () => EntityManager;
  readonly #cache: ClientCacheOptions;
  #origins: { value: Promise<ReadonlySet<string>>; until: number } | null = null;
  /** Client records by client_id: every token request authenticates a client, so this is the hottest read. */
  readonly #byClientId = new Map<string, { record: ClientRecord; until: number }>();
  readonly #tokenCache: TokenCache;
  readonly #lookup: ClientLookupOptions;
  constructor(em: () => EntityManager, cache: ClientCacheOptions, tokenCache: TokenCache, lookup: ClientLookupOptions = { metadataClients: true }) {
    this.#em = em; this.#cache = cache; this.#tokenCache = tokenCache; this.#lookup = lookup;
  }

  /** Every CORS origin some application registered (cached like client records; any write here clears it). */
  registeredOrigins(): Promise<ReadonlySet<string>> {
    const now = Date.now();
    if (this.#origins && this.#origins.until > now) return this.#origins.value;
    const value = this.#em().getConnection().execute('select allowed_origins from applications where allowed_origins <> ?', [''])
      .then((rows: { allowed_origins: string }[]) => new Set(rows.flatMap((r) => split(r.allowed_origins))));
    if (this.#cache.ttlMs > 0) this.#origins = { value, until: now + this.#cache.ttlMs };
    value.catch(() => { this.#origins = null; });
    return value;
  }

  /** Drops every cached record (another instance changed a client). */
  invalidate() { this.#origins = null; this.#byClientId.clear(); }

  // A changed or deleted client's tokens may have ended too: their cached lookups go with the client records.
  #changed() { this.invalidate(); this.#tokenCache.clear(); this.#cache.onChange?.(); }

  async findByClientId(clientId: string) {
    // The one place the setting is honoured for every path (authorize, token, userinfo, logout, introspection, …).
    const record = await this.#findByClientId(clientId);
    return record && record.registered === 'metadata' && !this.#lookup.metadataClients ? null : record;
  }

  async #findByClientId(clientId: string) {
    const now = Date.now();
    const hit = this.#byClientId.get(clientId);
    if (hit && hit.until > now) return hit.record;
    const a = await this.#em().findOne(Application, { clientId }, AS_STORED);
    if (!a) return null; // misses are not cached: random ids must not fill memory
    const record = toRecord(a);
    if (this.#cache.ttlMs > 0) {
      if (this.#byClientId.size >= CLIENT_CACHE_MAX) this.#byClientId.clear();
      this.#byClientId.set(clientId, { record, until: now + this.#cache.ttlMs });
    }
    return record;
  }

  async findById(id: number) {
    const a = await this.#em().findOne(Application, { id }, AS_STORED);
    return a ? toRecord(a) : null;
  }

  async list(ownerId?: number) {
    const rows = await this.#em().find(Application, ownerId === undefined ? {} : { owner: ownerId }, { ...AS_STORED, orderBy: { id: 'asc' } });
    return rows.map(toRecord);
  }

  async create(data: ClientInput & { clientId: string; secretHash: string | null; oauth1SecretSealed: string | null; ownerId: number; registered?: ClientOrigin; registrationTokenHash?: string | null }) {
    const em = this.#em();
    const a = em.create(Application, {
      ...columns(data), clientId: data.clientId, secretHash: data.secretHash, oauth1SecretSealed: data.oauth1SecretSealed, owner: data.ownerId,
      registered: data.registered ?? 'owner', registrationTokenHash: data.registrationTokenHash ?? null,
    });
    await em.flush();
    this.#changed();
    return toRecord(a);
  }

  async update(id: number, data: ClientInput & { secretHash?: string | null; oauth1SecretSealed?: string | null }) {
    const em = this.#em();
    const a = await em.findOneOrFail(Application, { id });
    em.assign(a, {
      ...columns(data),
      ...(data.secretHash !== undefined ? { secretHash: data.secretHash } : {}),
      ...(data.oauth1SecretSealed !== undefined ? { oauth1SecretSealed: data.oauth1SecretSealed } : {}),
    });
    await em.flush();
    this.#changed();
    return toRecord(a);
  }

  async setSecretHash(id: number, expected: string | null, secretHash: string | null, oauth1SecretSealed?: string | null) {
    const changed = await this.#em().nativeUpdate(Application, { id, secretHash: expected }, { secretHash, ...(oauth1SecretSealed !== undefined ? { oauth1SecretSealed } : {}), updatedAt: Date.now() });
    if (changed) this.#changed();
    return changed > 0;
  }

  async setTokenExchange(id: number, policy: TokenExchangePolicy | null) {
    await this.#em().nativeUpdate(Application, { id }, { tokenExchange: writeTokenExchangePolicy(policy), updatedAt: Date.now() });
    this.#changed();
  }

  async delete(id: number) {
    // Foreign keys cascade to codes, tokens and grants, so nothing issued to the client survives it.
    await this.#em().nativeDelete(Application, { id });
    this.#changed();
  }

  async findByRegistrationTokenHash(tokenHash: string) {
    const a = await this.#em().findOne(Application, { registrationTokenHash: tokenHash }, AS_STORED);
    return a ? toRecord(a) : null;
  }

  async rotateRegistrationTokenHash(id: number, from: string, to: string) {
    // Compare and set: of two updates racing with one token, one rotates it and the other is refused.
    return (await this.#em().nativeUpdate(Application, { id, registrationTokenHash: from }, { registrationTokenHash: to, updatedAt: Date.now() })) === 1;
  }

  async createInitialAccessToken(data: { tokenHash: string; singleUse: boolean; expiresAt: number | null; createdBy: number | null }) {
    const em = this.#em().fork();
    const row = em.create(InitialAccessToken, { tokenHash: data.tokenHash, singleUse: data.singleUse, expiresAt: data.expiresAt, createdBy: data.createdBy });
    await em.flush();
    return row.id;
  }

  async initialAccessTokens(first: number) {
    const rows = await this.#em().fork().find(InitialAccessToken, {}, { orderBy: { id: 'desc' }, limit: first });
    return rows.map((r) => ({
      id: r.id, singleUse: r.singleUse, expiresAt: r.expiresAt ?? null, createdAt: r.createdAt, uses: r.uses, lastUsedAt: r.lastUsedAt ?? null,
      createdBy: (r.createdBy as unknown as { id: number } | null)?.id ?? null,
    }));
  }

  async revokeInitialAccessToken(id: number) {
    return (await this.#em().nativeDelete(InitialAccessToken, { id })) > 0;
  }

  async initialAccessTokenUsable(tokenHash: string, now: number) {
    return (await this.#em().fork().count(InitialAccessToken, { tokenHash, $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }] })) > 0;
  }

  async spendInitialAccessToken(tokenHash: string, now: number) {
    const em = this.#em();
    // A single-use token is spent by deleting it: of concurrent registrations, only the one whose delete hit the row wins.
    const spent = await em.nativeDelete(InitialAccessToken, { tokenHash, singleUse: true, $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }] });
    if (spent > 0) return true;
    // A multi-use token counts its uses (administrators see them in `initialAccessTokens`), in the same statement that checks it.
    return (await em.nativeUpdate(InitialAccessToken, { tokenHash, singleUse: false, $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }] }, { uses: raw('uses + 1'), lastUsedAt: now })) > 0;
  }

  async saveMetadataClient(clientId: string, input: ClientInput, expiresAt: number, now: number): Promise<ClientRecord | null> {
    const existing = await this.#em().fork().findOne(Application, { clientId });
    if (existing && existing.registered !== 'metadata') return null;
    if (existing) {
      // Only the document's fields change: the row (its id, grants and tokens) stays the same client.
      await this.#em().nativeUpdate(Application, { id: existing.id, registered: 'metadata' }, { ...columns(input), secretHash: null, metadataExpiresAt: expiresAt, metadataLastUsedAt: now, updatedAt: Date.now() });
    } else {
      const owner = await this.systemOwner();
      try {
        const em = this.#em().fork();
        em.create(Application, { ...columns(input), clientId, secretHash: null, oauth1SecretSealed: null, owner, registered: 'metadata', metadataExpiresAt: expiresAt, metadataLastUsedAt: now });
        await em.flush();
      } catch (e) {
        // Another instance saved the same document first (unique client_id): theirs is as good.
        if (!(await this.#em().fork().findOne(Application, { clientId }))) throw e;
      }
    }
    this.#changed();
    const saved = await this.#em().fork().findOne(Application, { clientId, registered: 'metadata' });
    return saved ? toRecord(saved) : null;
  }

  async touchMetadataClient(client: ClientRecord, now: number) {
    await this.#em().nativeUpdate(Application, { id: client.id, registered: 'metadata' }, { metadataLastUsedAt: now });
    // Not a change of the client: the cached record learns its last use, nothing is invalidated.
    const hit = this.#byClientId.get(client.clientId);
    if (hit) hit.record = { ...hit.record, metadataLastUsedAt: now };
  }

  async countMetadataClients(scope: MetadataScope) {
    const [where, params] = metadataScope(scope);
    const rows: { n: number | string }[] = await this.#em().getConnection().execute(`select count(*) as n from applications a where ${where}`, params);
    return Number(rows[0].n);
  }

  async evictMetadataClient(scope: MetadataScope & { exceptId?: number; dryRun?: boolean }) {
    // The least recently used metadata row nobody granted anything to, fresh or not: deleting it loses no user's
    // consent (a later use fetches the document again). Chosen and deleted in one statement (both dialects).
    const [where, params] = metadataScope(scope);
    const pick = `select a.id from applications a where ${where} and a.id <> ? and not exists (select 1 from grants g where g.application_id = a.id) order by coalesce(a.metadata_last_used_at, 0), a.id limit 1`;
    const all = [...params, scope.exceptId ?? 0];
    if (scope.dryRun) return ((await this.#em().getConnection().execute(pick, all)) as unknown[]).length > 0;
    const res = await this.#em().getConnection().execute(`delete from applications where id = (${pick}) and not exists (select 1 from grants g where g.application_id = applications.id)`, all, 'run') as { affectedRows: number };
    if (res.affectedRows > 0) this.#changed();
    return res.affectedRows > 0;
  }

  async deleteMetadataClient(id: number) {
    await this.#em().nativeDelete(Application, { id, registered: 'metadata' });
    this.#changed();
  }

  #systemOwner: Promise<number> | null = null;
  /** '~dynamic' fails the username rule, so nobody can register it, and its password hash verifies nothing. */
  systemOwner(): Promise<number> {
    this.#systemOwner ??= (async () => {
      const find = async () => (await this.#em().fork().findOne(User, { username: SYSTEM_OWNER }))?.id;
      const found = await find();
      if (found !== undefined) return found;
      try {
        const em = this.#em().fork();
        const u = em.create(User, { username: SYSTEM_OWNER, passwordHash: '!', isAdmin: false, isActive: false });
        await em.flush();
        return u.id;
      } catch (e) {
        // Another instance made it first (unique username).
        const again = await find();
        if (again === undefined) throw e;
        return again;
      }
    })();
    this.#systemOwner.catch(() => { this.#systemOwner = null; });
    return this.#systemOwner;
  }
}

/** The owner of dynamically registered clients (RFC 7591 registrations name no user). */
export const SYSTEM_OWNER = '~dynamic';

/** The rows a metadata operation covers: every metadata client, or those whose client_id starts with one origin. */
function metadataScope(scope: MetadataScope): [string, unknown[]] {
  if (!scope.prefix) return ['a.registered = ?', ['metadata']];
  // substr, not LIKE: a host may hold `_`, a LIKE wildcard.
  return ['a.registered = ? and substr(a.client_id, 1, ?) = ?', ['metadata', scope.prefix.length, scope.prefix]];
}
