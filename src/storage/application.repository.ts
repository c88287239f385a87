import type { EntityManager } from '@mikro-orm/core';
import type { TokenCache } from './token-cache.ts';
import { Application } from './application.entity.ts';
import { deleteInBatches } from './maintenance.ts';
import { CLIENT_TOKEN_BATCH, deleteClientTokenBatchTx, revokeClientTokensHoldingTx, revokeGrantsTx, revokeThroughClientTx } from './revocation.ts';
import { subjectRule, type SubjectClient } from '../oidc/subject.ts';
import { PRIVILEGED_SCOPES } from '../oauth2/scope.ts';
import { tx, type Sql } from './sql.ts';
import { retryingConflicts } from './unique.ts';
import { taskSlots } from './task-slots.ts';
import { columns, split, toRecord } from './application-record.ts';
import { ClientCache, type ClientCacheOptions } from './client-cache.ts';
import { InitialAccessTokens, type InitialAccessTokenInput } from './initial-access-tokens.ts';
import { MetadataClients } from './metadata-clients.ts';
import { SystemOwner } from './system-owner.ts';
import { DeletedMeanwhile, type ClientInput, type ClientOrigin, type RegistrationStore, type ClientRecord, type ClientStore } from '../oauth2/store.ts';
import { writeTokenExchangePolicy, type TokenExchangePolicy } from '../oauth2/token-exchange/policy.ts';
import type { MetadataClientStore, MetadataScope } from '../oauth2/metadata-client-resolver.ts';

// services.ts and index.ts take the cache's settings from here; the cache itself is client-cache.ts.
export { CLIENT_CACHE_MS, type ClientCacheOptions } from './client-cache.ts';

/** CLIENT_ID_METADATA_DOCUMENTS: off, a metadata row left behind is no client for any lookup by client_id. */
export interface ClientLookupOptions { metadataClients: boolean }

/**
 * Reads that answer a record take the row as stored, never the EntityManager's copy: this repository writes single
 * columns with nativeUpdate (compare-and-set secrets, the token exchange policy, metadata refreshes), which a managed
 * entity does not see, so a read after a write in the same request (a mutation answering the client it changed)
 * returned the old value.
 */
const AS_STORED = { disableIdentityMap: true } as const;

/** Client deletions running at once on an instance (see `delete`). */
const DELETIONS_AT_ONCE = 2;
/** How long a deletion waits for one of those slots before it answers 503 (it has changed nothing yet). */
const DELETION_WAIT_MS = 10_000;

/** Tables whose other rows name a client (application_id), children before the grants they point at (access tokens: revocation.ts). */
const OWNED_BY_CLIENT = ['refresh_tokens', 'oauth1_tokens', 'authorization_codes', 'device_codes', 'grants'] as const;

// The applications table (ClientStore, RegistrationStore, MetadataClientStore); the row mapping, cache, initial access
// tokens, metadata rows and system owner are modules of their own. Every write here clears the cache.
export class ApplicationRepository implements ClientStore, RegistrationStore, MetadataClientStore {
  readonly #em: () => EntityManager;
  readonly #sql: Sql;
  readonly #deleting = new Map<number, Promise<boolean>>();
  readonly #deletionSlots = taskSlots(DELETIONS_AT_ONCE, DELETION_WAIT_MS);
  readonly #cache: ClientCacheOptions;
  readonly #cached: ClientCache;
  readonly #tokenCache: TokenCache;
  readonly #lookup: ClientLookupOptions;
  readonly #initialTokens: InitialAccessTokens;
  readonly #metadata: MetadataClients;
  readonly #systemOwner: SystemOwner;
  constructor(em: () => EntityManager, sql: Sql, cache: ClientCacheOptions, tokenCache: TokenCache, lookup: ClientLookupOptions = { metadataClients: true }) {
    this.#em = em; this.#sql = sql; this.#cache = cache; this.#tokenCache = tokenCache; this.#lookup = lookup;
    this.#cached = new ClientCache(cache.ttlMs);
    this.#initialTokens = new InitialAccessTokens(em);
    this.#systemOwner = new SystemOwner(em);
    this.#metadata = new MetadataClients(em, { systemOwner: () => this.systemOwner(), changed: () => this.#changed(), endIfSubjectsChange: (b, a) => this.endIfSubjectsChange(b, a) });
  }

  /** Every CORS origin some application registered (cached like client records; any write here clears it). */
  registeredOrigins(): Promise<ReadonlySet<string>> {
    return this.#cached.origins(() => this.#em().getConnection().execute('select allowed_origins from applications where allowed_origins <> ?', [''])
      .then((rows: { allowed_origins: string }[]) => new Set(rows.flatMap((r) => split(r.allowed_origins)))));
  }

  /** Drops every cached record (another instance changed a client). */
  invalidate() { this.#cached.clear(); }

  // A changed or deleted client's tokens may have ended too: their cached lookups go with the client records.
  #changed() { this.invalidate(); this.#tokenCache.clear(); this.#cache.onChange?.(); }

  async findByClientId(clientId: string) {
    // The one place the setting is honoured for every path (authorize, token, userinfo, logout, introspection, …).
    const record = await this.#cached.record(clientId, async () => {
      const a = await this.#em().findOne(Application, { clientId }, AS_STORED);
      return a ? toRecord(a) : null;
    });
    return record && record.registered === 'metadata' && !this.#lookup.metadataClients ? null : record;
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
    const before = await this.#em().findOne(Application, { id }, AS_STORED);
    // Ended before the row names the new rule as well as after (endIfSubjectsChange): ended only after, a token of the
    // old sector was live, and read under the new one by userinfo or introspection, for as long as the revocation took.
    if (before) await this.endIfSubjectsChange(toRecord(before), { ...data, clientId: before.clientId });
    // One conditional write: a client whose deletion has begun (its grant types taken, see `delete`) is not given them
    // back, which would let it get tokens again while its rows go (every valid client has at least one grant type).
    const changed = await this.#em().nativeUpdate(Application, { id, grantTypes: { $ne: '' } }, {
      ...columns(data),
      ...(data.secretHash !== undefined ? { secretHash: data.secretHash } : {}),
      ...(data.oauth1SecretSealed !== undefined ? { oauth1SecretSealed: data.oauth1SecretSealed } : {}),
      updatedAt: Date.now(),
    });
    // A privileged scope the client no longer has leaves its live tokens too: an access token with `introspection`
    // kept introspecting every token for its lifetime, a refresh token kept the scope for the next (second read 13).
    const dropped = changed ? [...PRIVILEGED_SCOPES].filter((p) => !data.allowedScopes.includes(p)) : [];
    if (dropped.length) await this.#sql.atomic(() => revokeClientTokensHoldingTx(id, dropped, Date.now()));
    this.#changed();
    const a = changed ? await this.#em().findOne(Application, { id }, AS_STORED) : null;
    if (!a) throw new DeletedMeanwhile();
    const after = toRecord(a);
    if (before) await this.endIfSubjectsChange(toRecord(before), after);
    return after;
  }

  /**
   * OpenID Connect Core §8.1: a client whose subs are made another way now (its subject type, or its pairwise sector:
   * redirect hosts, sector_identifier_uri, a grant that needs no redirect) has every grant and credential issued
   * before ended, as a revocation does: its tokens would otherwise answer the new sub for a user who consented under
   * the old one (attacker read 16, F1/F2: device tokens, then the device grant dropped, read the victim RP's sub).
   */
  async endIfSubjectsChange(before: ClientRecord, after: SubjectClient) {
    if (subjectRule(before) === subjectRule(after)) return;
    // The token cache is cleared once the revocation has committed, as every revocation's (token-cache.ts): cleared
    // only before it (by the update), a read in between cached the ended token for TOKEN_CACHE_MS (attacker read 18, F2).
    try {
      await this.#sql.atomic(() => revokeGrantsTx('application_id', before.id, Date.now()));
    } finally {
      this.#tokenCache.clear();
    }
  }

  async setSecretHash(id: number, expected: string | null, secretHash: string | null, oauth1SecretSealed?: string | null) {
    const changed = await this.#em().nativeUpdate(Application, { id, secretHash: expected }, { secretHash, ...(oauth1SecretSealed !== undefined ? { oauth1SecretSealed } : {}), updatedAt: Date.now() });
    if (changed) this.#changed();
    return changed > 0;
  }

  async setTokenExchange(id: number, policy: TokenExchangePolicy | null) {
    // As `update`: a client whose deletion has begun keeps no policy (the deletion took it, so exchanges stop).
    const changed = await this.#em().nativeUpdate(Application, { id, grantTypes: { $ne: '' } }, { tokenExchange: writeTokenExchangePolicy(policy), updatedAt: Date.now() });
    this.#changed();
    if (!changed) throw new DeletedMeanwhile();
  }

  /**
   * Foreign keys cascade to codes, tokens and grants, so nothing issued to the client survives it. They go first, in
   * batches: deleting the client's row locks it until the statement commits, and every token INSERT naming the client
   * waits for that lock — on PostgreSQL with the other clients' rows of its turn (storage/pg-coalesced-inserts.ts). A
   * cascade over a busy client's tokens held everyone's answers for its whole length (attacker read 4, issue 21);
   * now the row's lock covers only what arrived during the batches. A request racing the deletion hears
   * invalid_client (http/middleware/client-auth.ts).
   */
  async delete(id: number): Promise<boolean> {
    // Concurrent deletions of one client (50 identical RFC 7592 DELETEs) share one run: each would otherwise walk the
    // same batches and hold a pool connection while it did (attacker read 5, F3).
    const running = this.#deleting.get(id);
    if (running) return running.then(() => false);
    // At most DELETIONS_AT_ONCE deletions of different clients run at once on an instance: each holds a pool
    // connection per step, and eighty at once left token requests none (attacker read 7, F1). The others wait here,
    // holding nothing, for DELETION_WAIT_MS at most, then 503 (two deletions of huge clients must not hang the rest).
    const run = this.#deletionSlots.run(async () => {
      const sql = this.#sql;
      // First the client stops getting tokens: no grant or response type (nor exchange policy, nor OAuth 1) is left to it, and every instance forgets
      // its cached record. What it was doing finishes; nothing new starts, so the steps below do not chase refresh
      // rotations (whose locks, taken in the other order, deadlocked the grants' deletion: attacker read 6, N1), and a
      // deletion that fails part-way leaves a client that can do nothing, never a half-deleted one that works.
      const clientId = (await sql.get<{ client_id: string }>('select client_id from applications where id = ?', [id]))?.client_id;
      if (clientId === undefined || !(await this.#em().nativeUpdate(Application, { id }, { grantTypes: '', responseTypes: '', tokenExchange: null, oauth1Enabled: false, updatedAt: Date.now() }))) return false;
      this.#changed();
      // Access tokens a batch at a time, each batch with what was exchanged from it (revocation.ts), until a batch
      // comes back short; a client issuing faster than this is deleted by the last step's cascade.
      for (let i = 0; i < 20_000; i++) {
        const n = await retryingConflicts(() => sql.atomic(() => deleteClientTokenBatchTx(id, Date.now())));
        if (n < CLIENT_TOKEN_BATCH) break;
      }
      this.#tokenCache.clear();
      const conn = this.#em().getConnection();
      for (const table of OWNED_BY_CLIENT) {
        if (table === 'grants') await retryingConflicts(() => sql.atomic(() => revokeThroughClientTx(id, clientId, Date.now())));
        await deleteInBatches(conn, table, 'application_id = ?', [id], { maxBatches: 10_000 });
      }
      // The last step, in one transaction: the client's row locked first (PostgreSQL: token INSERTs naming it wait,
      // briefly, as little is left), the access tokens that arrived since taken with what was exchanged from them,
      // then the row and the rest by cascade.
      const deleted = await retryingConflicts(() => sql.atomic(function* () {
        if (!(yield* tx.get('select a.id from applications a where a.id = ?', [id], { lock: 'a' }))) return 0;
        while ((yield* deleteClientTokenBatchTx(id, Date.now())) === CLIENT_TOKEN_BATCH) { /* the rest, a batch at a time */ }
        yield* revokeThroughClientTx(id, clientId, Date.now());
        return yield* tx.run('delete from applications where id = ?', [id]);
      }));
      this.#changed();
      return deleted > 0;
    });
    this.#deleting.set(id, run);
    try { return await run; } finally { this.#deleting.delete(id); }
  }

  async findByRegistrationTokenHash(tokenHash: string) {
    const a = await this.#em().findOne(Application, { registrationTokenHash: tokenHash }, AS_STORED);
    return a ? toRecord(a) : null;
  }

  async rotateRegistrationTokenHash(id: number, from: string, to: string) {
    // Compare and set: of two updates racing with one token, one rotates it and the other is refused.
    return (await this.#em().nativeUpdate(Application, { id, registrationTokenHash: from }, { registrationTokenHash: to, updatedAt: Date.now() })) === 1;
  }

  // RFC 7591 initial access tokens: initial-access-tokens.ts.
  createInitialAccessToken(data: InitialAccessTokenInput) { return this.#initialTokens.createInitialAccessToken(data); }
  initialAccessTokens(first: number) { return this.#initialTokens.initialAccessTokens(first); }
  revokeInitialAccessToken(id: number) { return this.#initialTokens.revokeInitialAccessToken(id); }
  initialAccessTokenUsable(tokenHash: string, now: number) { return this.#initialTokens.initialAccessTokenUsable(tokenHash, now); }
  spendInitialAccessToken(tokenHash: string, now: number) { return this.#initialTokens.spendInitialAccessToken(tokenHash, now); }

  // Client ID metadata documents' rows: metadata-clients.ts.
  saveMetadataClient(clientId: string, input: ClientInput, expiresAt: number, now: number) { return this.#metadata.saveMetadataClient(clientId, input, expiresAt, now); }
  countMetadataClients(scope: MetadataScope) { return this.#metadata.countMetadataClients(scope); }
  evictMetadataClient(scope: MetadataScope & { exceptId?: number; dryRun?: boolean }) { return this.#metadata.evictMetadataClient(scope); }
  deleteMetadataClient(id: number) { return this.#metadata.deleteMetadataClient(id); }

  async touchMetadataClient(client: ClientRecord, now: number) {
    await this.#metadata.touchMetadataClient(client, now);
    this.#cached.touched(client.clientId, now);
  }

  /** The owner of dynamically registered clients: system-owner.ts. */
  systemOwner(): Promise<number> { return this.#systemOwner.id(); }
}
