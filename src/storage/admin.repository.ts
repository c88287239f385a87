import type { ClientStore, EventSink, RegistrationStore, TokenStore } from '../oauth2/store.ts';
import type { ResourceServerInput, ResourceServerStore } from '../oauth2/resources.ts';
import type { TokenExchangePolicy } from '../oauth2/token-exchange/policy.ts';
import { clientRecordView, type AdminStore, type ClientField, type EventFilter, type Page, type TokenFilter, type TokenKind, type TokenView } from './admin-store.ts';
import {
  CLIENT_COLUMNS, clientColumns, clientView, EVENT_COLUMNS, eventView, GRANT_COLUMNS, grantView, TOKEN_SOURCES, tokenView,
  signingKeyView, USER_COLUMNS, userView, type Row,
} from './admin-views.ts';
import { AdminQueries, byId, groupBy, newestFirst, type Where } from './admin-queries.ts';
import { AdminRevocation } from './admin-revocation.ts';
import { AdminSettings } from './admin-settings.ts';
import { tx, type Sql } from './sql.ts';
import { holdsScope, holdsScopeParam, revokeGrantsTx } from './revocation.ts';
import { ADMIN_SCOPE } from '../oauth2/scope.ts';
import type { TokenCache } from './token-cache.ts';

// The admin API's store (admin-store.ts): its pages and batch lookups here (query shapes in admin-queries.ts),
// revocations in admin-revocation.ts, audited settings (token exchange, resource servers) in admin-settings.ts.

export class AdminRepository implements AdminStore {
  readonly #sql: Sql;
  readonly #tokenCache: TokenCache;
  readonly #clients: Pick<ClientStore, 'findById' | 'findByClientId' | 'setTokenExchange'> & Pick<RegistrationStore, 'createInitialAccessToken' | 'initialAccessTokens' | 'revokeInitialAccessToken'>;
  readonly #queries: AdminQueries;
  readonly #revocation: AdminRevocation;
  readonly #settings: AdminSettings;
  constructor(sql: Sql, tokenCache: TokenCache, stores: { clients: Pick<ClientStore, 'findById' | 'findByClientId' | 'setTokenExchange'> & Pick<RegistrationStore, 'createInitialAccessToken' | 'initialAccessTokens' | 'revokeInitialAccessToken'>; tokens: Pick<TokenStore, 'revokeFamily' | 'revokeAccessToken'>; resourceServers: ResourceServerStore; events: EventSink }) {
    this.#sql = sql; this.#tokenCache = tokenCache; this.#clients = stores.clients;
    this.#queries = new AdminQueries(sql);
    this.#revocation = new AdminRevocation(sql, tokenCache, stores.tokens);
    this.#settings = new AdminSettings(stores);
  }

  // Audited settings: admin-settings.ts.
  tokenExchangeOf(id: number) { return this.#settings.tokenExchangeOf(id); }
  setTokenExchangePolicy(id: number, policy: TokenExchangePolicy | null, by: number | null) { return this.#settings.setTokenExchangePolicy(id, policy, by); }
  resourceServers(first: number) { return this.#settings.resourceServers(first); }
  createResourceServer(data: ResourceServerInput, by: number | null) { return this.#settings.createResourceServer(data, by); }
  updateResourceServer(id: number, data: ResourceServerInput, by: number | null) { return this.#settings.updateResourceServer(id, data, by); }
  deleteResourceServer(id: number, by: number | null) { return this.#settings.deleteResourceServer(id, by); }

  // Revocations: admin-revocation.ts.
  revokeAllForUser(userId: number, now: number) { return this.#revocation.revokeAllForUser(userId, now); }
  revokeAllForClient(clientId: number, now: number) { return this.#revocation.revokeAllForClient(clientId, now); }
  revokeToken(kind: TokenKind, id: number, now: number, allowed: (token: TokenView) => boolean) { return this.#revocation.revokeToken(kind, id, now, allowed); }

  createInitialAccessToken(data: { tokenHash: string; singleUse: boolean; expiresAt: number | null; createdBy: number | null }) {
    return this.#clients.createInitialAccessToken(data);
  }

  initialAccessTokens(first: number) { return this.#clients.initialAccessTokens(first); }

  revokeInitialAccessToken(id: number) { return this.#clients.revokeInitialAccessToken(id); }

  clients(filter: { ownerId?: number }, page: Page, fields?: readonly ClientField[]) {
    // Only the columns the caller shows: turning 51 rows into objects was a fifth of a clients page.
    return this.#queries.page('applications', fields ? clientColumns(fields) : CLIENT_COLUMNS, { owner_id: filter.ownerId }, page, clientView);
  }

  users(filter: { search?: string }, page: Page) {
    return this.#queries.page('users', USER_COLUMNS, { username: filter.search ? { contains: filter.search } : undefined }, page, userView);
  }

  /**
   * A demotion ends the user's grants that hold a scope only an administrator may (scopeUserMayNotHold: `admin`), in the
   * flag's transaction behind the user's gate, so neither their access tokens nor a refresh carries it on (attacker
   * read 13A, F2: a refresh kept issuing `admin` after the demotion, and resource servers trusting the scope saw it).
   */
  async setUserAdmin(id: number, isAdmin: boolean, now = Date.now()) {
    // Cached token lookups carry the user as it was: an admin token of a demoted user must stop being one at once.
    try {
      return await this.#sql.atomic(function* () {
        yield* tx.gate('?', [id]);
        const changed = (yield* tx.run('update users set is_admin = ? where id = ?', [isAdmin ? 1 : 0, id])) > 0;
        if (changed && !isAdmin) {
          // The grant's own scope, or its live tokens' (two approvals merging at once can leave the grant's scope
          // without `admin` while its tokens carry it: second read 13).
          const admin = holdsScopeParam(ADMIN_SCOPE);
          const grants = yield* tx.all<{ id: number }>(`select g.id from grants g where g.user_id = ? and g.revoked_at is null and (${holdsScope('g.scope')}
            or exists (select 1 from access_tokens a where a.grant_id = g.id and a.revoked_at is null and ${holdsScope('a.scope')})
            or exists (select 1 from refresh_tokens r where r.grant_id = g.id and r.revoked_at is null and ${holdsScope('r.scope')}))`, [id, admin, admin, admin]);
          for (const g of grants) yield* revokeGrantsTx('id', Number(g.id), now);
        }
        return changed;
      });
    } finally { this.#tokenCache.clear(); }
  }

  liveGrants(filter: { userId?: number; clientId?: number }, page: Page) {
    return this.#queries.page('grants', GRANT_COLUMNS, { user_id: filter.userId, application_id: filter.clientId, revoked_at: null }, page, grantView);
  }

  tokens(filter: TokenFilter, page: Page) {
    const { table, columns } = TOKEN_SOURCES[filter.kind];
    const now = Date.now();
    const where: Where = { user_id: filter.userId, application_id: filter.clientId };
    if (filter.kind === 'OAUTH1') where.kind = 'access';
    if (filter.activeOnly) { where.revoked_at = null; if (filter.kind !== 'OAUTH1') where.expires_at = { gt: now }; }
    return this.#queries.page(table, columns, where, page, (r) => tokenView(r, filter.kind, now));
  }

  events(filter: EventFilter, page: Page) {
    const where = { type: filter.types?.length ? filter.types : undefined, user_id: filter.userId, client_id: filter.clientId };
    return this.#queries.page('events', EVENT_COLUMNS, where, page, eventView, 'desc');
  }

  async usersByIds(ids: readonly number[]) {
    return byId(ids, (await this.#queries.whereIn('users', USER_COLUMNS, 'id', ids)).map(userView));
  }

  async clientsByIds(ids: readonly number[]) {
    return byId(ids, (await this.#queries.whereIn('applications', CLIENT_COLUMNS, 'id', ids)).map(clientView));
  }

  async clientsOwnedBy(userIds: readonly number[]) {
    return groupBy(userIds, (await this.#queries.whereIn('applications', CLIENT_COLUMNS, 'owner_id', userIds)).map(clientView), (c) => c.ownerId);
  }

  async liveGrantsOfClients(clientIds: readonly number[]) {
    return groupBy(clientIds, (await this.#queries.whereIn('grants', GRANT_COLUMNS, 'application_id', clientIds, 'and revoked_at is null')).map(grantView), (g) => g.clientDbId);
  }

  async liveTokensOfGrants(grantIds: readonly number[]) {
    const now = Date.now();
    const live = 'and revoked_at is null and expires_at > ?';
    const of = async (kind: TokenKind, extra: string, params: unknown[]) => {
      const { table, columns } = TOKEN_SOURCES[kind];
      const rows = await this.#queries.whereIn(table, `${columns}, grant_id`, 'grant_id', grantIds, extra, params);
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
}
