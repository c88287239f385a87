import { DeletedMeanwhile, type ClientStore, type EventSink } from '../oauth2/store.ts';
import type { ResourceServerInput, ResourceServerStore } from '../oauth2/resources.ts';
import type { TokenExchangePolicy } from '../oauth2/token-exchange/policy.ts';
import type { AdminStore } from './admin-store.ts';
import { isUniqueViolation } from './unique.ts';

/** A concurrent request took the identifier between the check and the write (unique index): the check's answer. */
function takenOr(e: unknown): 'identifier_taken' {
  if (isUniqueViolation(e)) return 'identifier_taken';
  throw e;
}

type SettingsStore = Pick<AdminStore, 'tokenExchangeOf' | 'setTokenExchangePolicy' | 'resourceServers' | 'createResourceServer' | 'updateResourceServer' | 'deleteResourceServer'>;

/** What administrators set through other stores, each change audited: a client's RFC 8693 policy, RFC 8707 resource servers. */
export class AdminSettings implements SettingsStore {
  readonly #clients: Pick<ClientStore, 'findById' | 'setTokenExchange'>;
  readonly #resources: ResourceServerStore;
  readonly #events: EventSink;
  constructor(stores: { clients: Pick<ClientStore, 'findById' | 'setTokenExchange'>; resourceServers: ResourceServerStore; events: EventSink }) {
    this.#clients = stores.clients; this.#resources = stores.resourceServers; this.#events = stores.events;
  }

  async tokenExchangeOf(id: number) {
    const c = await this.#clients.findById(id);
    return c ? { registered: c.registered, clientType: c.clientType, policy: c.tokenExchange ?? null } : null;
  }

  async setTokenExchangePolicy(id: number, policy: TokenExchangePolicy | null, by: number | null) {
    await this.#clients.setTokenExchange(id, policy);
    const c = await this.#clients.findById(id);
    if (!c) throw new DeletedMeanwhile(); // its deletion ended between the write and this read
    await this.#events.record({ type: 'client.token_exchange_changed', userId: by, clientId: c?.clientId ?? null, detail: { policy } });
  }

  async resourceServers(first: number) {
    return (await this.#resources.all()).slice(0, first);
  }

  async #identifierTaken(identifier: string, except?: number) {
    return (await this.#resources.all()).some((r) => r.identifier === identifier && r.id !== except);
  }

  async createResourceServer(data: ResourceServerInput, by: number | null) {
    if (await this.#identifierTaken(data.identifier)) return 'identifier_taken' as const;
    const created = await this.#resources.create(data).catch(takenOr);
    if (created === 'identifier_taken') return created;
    await this.#events.record({ type: 'resource_server.created', userId: by, detail: { identifier: created.identifier, scopes: created.scopes } });
    return created;
  }

  async updateResourceServer(id: number, data: ResourceServerInput, by: number | null) {
    if (await this.#identifierTaken(data.identifier, id)) return 'identifier_taken' as const;
    const updated = await this.#resources.update(id, data).catch(takenOr);
    if (updated === 'identifier_taken') return updated;
    if (updated) await this.#events.record({ type: 'resource_server.updated', userId: by, detail: { identifier: updated.identifier, scopes: updated.scopes } });
    return updated;
  }

  async deleteResourceServer(id: number, by: number | null) {
    const gone = await this.#resources.delete(id);
    if (gone) await this.#events.record({ type: 'resource_server.deleted', userId: by, detail: { id } });
    return gone;
  }
}
