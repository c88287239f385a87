import type { ClientStore, EventSink, RegistrationStore, TokenStore } from '../oauth2/store.ts';
import type { ResourceServerInput, ResourceServerStore } from '../oauth2/resources.ts';
import type { TokenExchangePolicy } from '../oauth2/token-exchange/policy.ts';
import { clientRecordView, type AdminStore, type ClientField, type EventFilter, type Page, type PageOf, type TokenFilter, type TokenKind, type TokenView } from './admin-store.ts';
import {
  CLIENT_COLUMNS, clientColumns, clientView, EVENT_COLUMNS, eventView, GRANT_COLUMNS, grantView, TOKEN_SOURCES, tokenView,
  signingKeyView, USER_COLUMNS, userView, type Row,
} from './admin-views.ts';
import { revokeCredentialsTx } from './revocation.ts';
import { tx, type Sql } from './sql.ts';
import { isUniqueViolation } from './unique.ts';
import type { TokenCache } from './token-cache.ts';

// The admin API's queries (admin-store.ts). Every list is keyset-paginated by id (stable order), and every batch
// lookup is one query, so GraphQL's DataLoaders turn N lookups into one.

const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');
/**
 * A filter: column → value; undefined is no condition, null `is null`, an array `in`, `{ gt }` greater than,
 * `{ contains }` holds that text in any case (LIKE with its wildcards escaped, on lower() so PostgreSQL matches as SQLite does).
 */
type Where = Record<string, unknown>;

/** `keys[i]`'s items, in the keys' order (items keep their order within a key). */
function groupBy<V>(keys: readonly number[], items: V[], keyOf: (v: V) => number): V[][] {
  const groups = new Map<number, V[]>(keys.map((k) => [k, []]));
  for (const v of items) groups.get(keyOf(v))?.push(v);
  return keys.map((k) => groups.get(k)!);
}
const byId = <V extends { id: number }>(ids: readonly number[], items: V[]) => {
  const map = new Map(items.map((v) => [v.id, v]));
  return ids.map((id) => map.get(id) ?? null);
};
const newestFirst = (tokens: TokenView[]) => tokens.sort((a, b) => b.issuedAt - a.issuedAt);

/** A concurrent request took the identifier between the check and the write (unique index): the check's answer. */
function takenOr(e: unknown): 'identifier_taken' {
  if (isUniqueViolation(e)) return 'identifier_taken';
  throw e;
}

export class AdminRepository implements AdminStore {
  readonly #sql: Sql;
  readonly #tokenCache: TokenCache;
  readonly #clients: Pick<ClientStore, 'findById' | 'findByClientId' | 'setTokenExchange'> & Pick<RegistrationStore, 'createInitialAccessToken' | 'initialAccessTokens' | 'revokeInitialAccessToken'>;
  readonly #tokens: Pick<TokenStore, 'revokeFamily' | 'revokeAccessToken'>;
  readonly #resources: ResourceServerStore;
  readonly #events: EventSink;
  constructor(sql: Sql, tokenCache: TokenCache, stores: { clients: Pick<ClientStore, 'findById' | 'findByClientId' | 'setTokenExchange'> & Pick<RegistrationStore, 'createInitialAccessToken' | 'initialAccessTokens' | 'revokeInitialAccessToken'>; tokens: Pick<TokenStore, 'revokeFamily' | 'revokeAccessToken'>; resourceServers: ResourceServerStore; events: EventSink }) {
    this.#sql = sql; this.#tokenCache = tokenCache; this.#clients = stores.clients; this.#tokens = stores.tokens; this.#resources = stores.resourceServers; this.#events = stores.events;
  }

  async tokenExchangeOf(id: number) {
    const c = await this.#clients.findById(id);
    return c ? { registered: c.registered, clientType: c.clientType, policy: c.tokenExchange ?? null } : null;
  }

  async setTokenExchangePolicy(id: number, policy: TokenExchangePolicy | null, by: number | null) {
    await this.#clients.setTokenExchange(id, policy);
    const c = await this.#clients.findById(id);
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

  /** One page (first + 1 rows, to know if there is more) of a filtered table, and its total, counted only if asked for. */
  async #page<V>(table: string, columns: string, where: Where, page: Page, view: (r: Row) => V, order: 'asc' | 'desc' = 'asc'): Promise<PageOf<V>> {
    const conds: string[] = [];
    const params: unknown[] = [];
    for (const [col, value] of Object.entries(where)) {
      if (value === undefined) continue;
      if (Array.isArray(value)) { conds.push(`${col} in (${placeholders(value.length)})`); params.push(...value); }
      else if (value === null) conds.push(`${col} is null`);
      else if (typeof value === 'object' && 'gt' in value) { conds.push(`${col} > ?`); params.push((value as { gt: unknown }).gt); }
      else if (typeof value === 'object' && 'contains' in value) {
        conds.push(`lower(${col}) like ? escape '!'`);
        params.push(`%${String((value as { contains: string }).contains).toLowerCase().replace(/[!%_]/g, '!$&')}%`);
      }
      else { conds.push(`${col} = ?`); params.push(value); }
    }
    const filter = conds.length ? `where ${conds.join(' and ')}` : '';
    let counted: Promise<number> | undefined;
    const total = () => (counted ??= this.#sql.get<{ n: number }>(`select count(*) as n from ${table} ${filter}`, params).then((r) => Number(r!.n)));
    const keyset = page.afterId === null ? '' : `${conds.length ? 'and' : 'where'} id ${order === 'asc' ? '>' : '<'} ?`;
    const rows = await this.#sql.all<Row>(`select ${columns} from ${table} ${filter} ${keyset} order by id ${order} limit ?`, [...params, ...(page.afterId === null ? [] : [page.afterId]), page.first + 1]);
    return { items: rows.map(view), total };
  }

  /** Rows whose `column` is one of `values` (and `extra` holds), by id. */
  async #whereIn(table: string, columns: string, column: string, values: readonly unknown[], extra = '', extraParams: unknown[] = []): Promise<Row[]> {
    if (!values.length) return [];
    return this.#sql.all<Row>(`select ${columns} from ${table} where ${column} in (${placeholders(values.length)}) ${extra} order by id`, [...values, ...extraParams]);
  }

  createInitialAccessToken(data: { tokenHash: string; singleUse: boolean; expiresAt: number | null; createdBy: number | null }) {
    return this.#clients.createInitialAccessToken(data);
  }

  initialAccessTokens(first: number) { return this.#clients.initialAccessTokens(first); }

  revokeInitialAccessToken(id: number) { return this.#clients.revokeInitialAccessToken(id); }

  clients(filter: { ownerId?: number }, page: Page, fields?: readonly ClientField[]) {
    // Only the columns the caller shows: turning 51 rows into objects was a fifth of a clients page.
    return this.#page('applications', fields ? clientColumns(fields) : CLIENT_COLUMNS, { owner_id: filter.ownerId }, page, clientView);
  }

  users(filter: { search?: string }, page: Page) {
    return this.#page('users', USER_COLUMNS, { username: filter.search ? { contains: filter.search } : undefined }, page, userView);
  }

  async setUserAdmin(id: number, isAdmin: boolean) {
    // Cached token lookups carry the user as it was: an admin token of a demoted user must stop being one at once.
    try { return (await this.#sql.run('update users set is_admin = ? where id = ?', [isAdmin ? 1 : 0, id])) > 0; } finally { this.#tokenCache.clear(); }
  }

  liveGrants(filter: { userId?: number; clientId?: number }, page: Page) {
    return this.#page('grants', GRANT_COLUMNS, { user_id: filter.userId, application_id: filter.clientId, revoked_at: null }, page, grantView);
  }

  tokens(filter: TokenFilter, page: Page) {
    const { table, columns } = TOKEN_SOURCES[filter.kind];
    const now = Date.now();
    const where: Where = { user_id: filter.userId, application_id: filter.clientId };
    if (filter.kind === 'OAUTH1') where.kind = 'access';
    if (filter.activeOnly) { where.revoked_at = null; if (filter.kind !== 'OAUTH1') where.expires_at = { gt: now }; }
    return this.#page(table, columns, where, page, (r) => tokenView(r, filter.kind, now));
  }

  events(filter: EventFilter, page: Page) {
    const where = { type: filter.types?.length ? filter.types : undefined, user_id: filter.userId, client_id: filter.clientId };
    return this.#page('events', EVENT_COLUMNS, where, page, eventView, 'desc');
  }

  async usersByIds(ids: readonly number[]) {
    return byId(ids, (await this.#whereIn('users', USER_COLUMNS, 'id', ids)).map(userView));
  }

  async clientsByIds(ids: readonly number[]) {
    return byId(ids, (await this.#whereIn('applications', CLIENT_COLUMNS, 'id', ids)).map(clientView));
  }

  async clientsOwnedBy(userIds: readonly number[]) {
    return groupBy(userIds, (await this.#whereIn('applications', CLIENT_COLUMNS, 'owner_id', userIds)).map(clientView), (c) => c.ownerId);
  }

  async liveGrantsOfClients(clientIds: readonly number[]) {
    return groupBy(clientIds, (await this.#whereIn('grants', GRANT_COLUMNS, 'application_id', clientIds, 'and revoked_at is null')).map(grantView), (g) => g.clientDbId);
  }

  async liveTokensOfGrants(grantIds: readonly number[]) {
    const now = Date.now();
    const live = 'and revoked_at is null and expires_at > ?';
    const of = async (kind: TokenKind, extra: string, params: unknown[]) => {
      const { table, columns } = TOKEN_SOURCES[kind];
      const rows = await this.#whereIn(table, `${columns}, grant_id`, 'grant_id', grantIds, extra, params);
      return groupBy(grantIds, rows, (r) => Number(r.grant_id)).map((group) => group.map((r) => tokenView(r, kind, now)));
    };
    const [access, refresh, oauth1] = await Promise.all([
      of('ACCESS', live, [now]),
      of('REFRESH', `${live} and used_at is null`, [now]),
      of('OAUTH1', "and revoked_at is null and kind = 'access'", []),
    ]);
    return grantIds.map((_, i) => newestFirst([...access[i], ...refresh[i], ...oauth1[i]]));
  }

  async signingKeys(first: number) {
    const rows = await this.#sql.all<Row>(`select id, kid, alg, status, created_at, retired_at from signing_keys
      order by case status when 'current' then 0 when 'next' then 1 else 2 end, alg, id desc limit ?`, [first]);
    return rows.map(signingKeyView);
  }

  async client(id: number) {
    const c = await this.#clients.findById(id);
    return c && clientRecordView(c);
  }

  async clientByClientId(clientId: string) {
    const c = await this.#clients.findByClientId(clientId);
    return c && clientRecordView(c);
  }

  async grant(id: number) {
    const r = await this.#sql.get<Row>(`select ${GRANT_COLUMNS} from grants where id = ?`, [id]);
    return r ? grantView(r) : null;
  }

  revokeAllForUser(userId: number, now: number) {
    return this.#revokeAll('user_id', userId, now);
  }

  revokeAllForClient(clientId: number, now: number) {
    return this.#revokeAll('application_id', clientId, now);
  }

  /** The grants, then everything issued under them, in one transaction: nothing issued in between survives. */
  async #revokeAll(column: 'user_id' | 'application_id', value: number, now: number): Promise<number> {
    try {
      return await this.#sql.atomic(function* () {
        yield* tx.run(`update grants set revoked_at = ? where ${column} = ? and revoked_at is null`, [now, value]);
        return yield* revokeCredentialsTx(column, value, now);
      });
    } finally {
      this.#tokenCache.clear();
    }
  }

  async revokeToken(kind: TokenKind, id: number, now: number, allowed: (token: TokenView) => boolean) {
    const { table, columns } = TOKEN_SOURCES[kind];
    const r = await this.#sql.get<Row>(`select ${columns}, grant_id${kind === 'REFRESH' ? ', family_id' : kind === 'ACCESS' ? ', token_hash' : ''} from ${table} where id = ?`, [id]);
    const token = r && tokenView(r, kind, now);
    if (!r || !token || !allowed(token)) return null;
    // A refresh token takes its family with it (RFC 7009 §2.1), as at the revocation endpoint.
    if (kind === 'REFRESH' && r.family_id) {
      return { token, revoked: await this.#tokens.revokeFamily({ familyId: String(r.family_id), grantId: r.grant_id === null ? null : Number(r.grant_id) }, now) };
    }
    // An access token takes what was exchanged from it (RFC 8693), as at the revocation endpoint.
    if (kind === 'ACCESS') return { token, revoked: await this.#tokens.revokeAccessToken(String(r.token_hash), now) };
    try {
      return { token, revoked: await this.#sql.run(`update ${table} set revoked_at = ? where id = ? and revoked_at is null`, [now, id]) };
    } finally {
      this.#tokenCache.clear();
    }
  }
}
