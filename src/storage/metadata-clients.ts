import type { EntityManager } from '@mikro-orm/core';
import { Application } from './application.entity.ts';
import { columns, toRecord } from './application-record.ts';
import type { ClientInput, ClientRecord, SubjectClient } from '../oauth2/store.ts';
import type { MetadataClientStore, MetadataScope } from '../oauth2/metadata-client-resolver.ts';

/** What metadata rows need of the repository that owns them: the owner of their rows, and telling the client cache. */
export interface MetadataClientsOwner { systemOwner(): Promise<number>; changed(): void; endIfSubjectsChange(before: ClientRecord, after: SubjectClient): Promise<void> }

/**
 * Clients whose client_id is the URL of their metadata document: the rows saved from fetched documents, and the
 * caps' counting and eviction. ApplicationRepository answers lookups by client_id and keeps the cached record.
 */
export class MetadataClients implements Omit<MetadataClientStore, 'findByClientId'> {
  readonly #em: () => EntityManager;
  readonly #owner: MetadataClientsOwner;
  constructor(em: () => EntityManager, owner: MetadataClientsOwner) { this.#em = em; this.#owner = owner; }

  async saveMetadataClient(clientId: string, input: ClientInput, expiresAt: number, now: number): Promise<ClientRecord | null> {
    const existing = await this.#em().fork().findOne(Application, { clientId });
    if (existing && existing.registered !== 'metadata') return null;
    if (existing) {
      // Ended before the row names a new sector as well as after (ApplicationRepository.update says why).
      await this.#owner.endIfSubjectsChange(toRecord(existing), { ...input, clientId });
      // Only the document's fields change: the row (its id, grants and tokens) stays the same client.
      await this.#em().nativeUpdate(Application, { id: existing.id, registered: 'metadata' }, { ...columns(input), secretHash: null, metadataExpiresAt: expiresAt, metadataLastUsedAt: now, updatedAt: Date.now() });
    } else {
      const owner = await this.#owner.systemOwner();
      try {
        const em = this.#em().fork();
        em.create(Application, { ...columns(input), clientId, secretHash: null, oauth1SecretSealed: null, owner, registered: 'metadata', metadataExpiresAt: expiresAt, metadataLastUsedAt: now });
        await em.flush();
      } catch (e) {
        // Another instance saved the same document first (unique client_id): theirs is as good.
        if (!(await this.#em().fork().findOne(Application, { clientId }))) throw e;
      }
    }
    this.#owner.changed();
    const saved = await this.#em().fork().findOne(Application, { clientId, registered: 'metadata' });
    if (!saved) return null;
    const record = toRecord(saved);
    // A document fetched again may make its subs another way (ApplicationRepository.endIfSubjectsChange).
    if (existing) await this.#owner.endIfSubjectsChange(toRecord(existing), record);
    return record;
  }

  /** The row only: ApplicationRepository updates its cached record. */
  async touchMetadataClient(client: ClientRecord, now: number) {
    await this.#em().nativeUpdate(Application, { id: client.id, registered: 'metadata' }, { metadataLastUsedAt: now });
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
    if (res.affectedRows > 0) this.#owner.changed();
    return res.affectedRows > 0;
  }

  async deleteMetadataClient(id: number) {
    await this.#em().nativeDelete(Application, { id, registered: 'metadata' });
    this.#owner.changed();
  }
}

/** The rows a metadata operation covers: every metadata client, or those whose client_id starts with one origin. */
function metadataScope(scope: MetadataScope): [string, unknown[]] {
  if (!scope.prefix) return ['a.registered = ?', ['metadata']];
  // substr, not LIKE: a host may hold `_`, a LIKE wildcard.
  return ['a.registered = ? and substr(a.client_id, 1, ?) = ?', ['metadata', scope.prefix.length, scope.prefix]];
}
