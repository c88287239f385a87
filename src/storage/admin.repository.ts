import { revokeCredentialsTx } from './revocation.ts';
import type { Sql } from './sql.ts';
import type { TokenCache } from './token-cache.ts';

// Read models and bulk operations for the admin API. Every list is keyset-paginated by id (stable order),
// and every by-id lookup takes a batch so GraphQL's DataLoaders turn N lookups into one query.

export interface Page { first: number; afterId: number | null }
export interface Row { [column: string]: unknown; id: number }

// A client's page leaves out its secret hash and sealed OAuth 1 secret: the admin API never shows them.
const PAGE_COLUMNS: Partial<Record<string, string>> = {
  applications: 'id, client_id, name, client_type, grant_types, redirect_uris, allowed_scopes, skip_authorization, allowed_origins, token_endpoint_auth_method, owner_id, oauth1_enabled, rsa_public_key, created_at, updated_at',
};

const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');

export class AdminRepository {
  readonly #sql: Sql;
  readonly #tokenCache: TokenCache;
  constructor(sql: Sql, tokenCache: TokenCache) { this.#sql = sql; this.#tokenCache = tokenCache; }

  /**
   * One page (first + 1 rows, to know if there is more) from a filtered table, and its total, counted only if asked
   * for (a count over a million audit rows is a full scan; most pages never show it).
   */
  async page(table: 'applications' | 'users' | 'grants' | 'access_tokens' | 'refresh_tokens' | 'oauth1_tokens' | 'events', where: Record<string, unknown>, page: Page, order: 'asc' | 'desc' = 'asc', columns?: readonly string[]): Promise<{ rows: Row[]; total: () => Promise<number> }> {
    const conds: string[] = [];
    const params: unknown[] = [];
    for (const [col, value] of Object.entries(where)) {
      if (value === undefined) continue;
      if (Array.isArray(value)) { conds.push(`${col} in (${placeholders(value.length)})`); params.push(...value); }
      else if (value === null) conds.push(`${col} is null`);
      else if (typeof value === 'object' && value && 'gt' in value) { conds.push(`${col} > ?`); params.push((value as { gt: unknown }).gt); }
      else { conds.push(`${col} = ?`); params.push(value); }
    }
    const filter = conds.length ? `where ${conds.join(' and ')}` : '';
    let counted: Promise<number> | undefined;
    const total = () => (counted ??= this.#sql.get<{ n: number }>(`select count(*) as n from ${table} ${filter}`, params).then((r) => Number(r!.n)));
    const keyset = page.afterId === null ? '' : `${conds.length ? 'and' : 'where'} id ${order === 'asc' ? '>' : '<'} ?`;
    const rows = await this.#sql.all<Row>(`select ${columns?.join(', ') ?? PAGE_COLUMNS[table] ?? '*'} from ${table} ${filter} ${keyset} order by id ${order} limit ?`, [...params, ...(page.afterId === null ? [] : [page.afterId]), page.first + 1]);
    return { rows, total };
  }

  async byIds(table: 'applications' | 'users' | 'grants', ids: readonly number[]): Promise<Row[]> {
    if (!ids.length) return [];
    return this.#sql.all<Row>(`select * from ${table} where id in (${placeholders(ids.length)})`, [...ids]);
  }

  async byColumn(table: 'applications' | 'grants' | 'access_tokens' | 'refresh_tokens' | 'oauth1_tokens', column: string, values: readonly unknown[], extra = ''): Promise<Row[]> {
    if (!values.length) return [];
    return this.#sql.all<Row>(`select * from ${table} where ${column} in (${placeholders(values.length)}) ${extra} order by id`, [...values]);
  }

  /** Revokes every live token and spends every pending code matching a column (user_id, application_id, grant_id); returns how many. */
  async revokeWhere(column: 'user_id' | 'application_id' | 'grant_id', value: number, now: number): Promise<number> {
    try {
      return await this.#sql.atomic(() => revokeCredentialsTx(column, value, now));
    } finally {
      this.#tokenCache.clear();
    }
  }

  async revokeGrantsWhere(column: 'user_id' | 'application_id', value: number, now: number): Promise<void> {
    await this.#sql.run(`update grants set revoked_at = ? where ${column} = ? and revoked_at is null`, [now, value]);
  }
}
