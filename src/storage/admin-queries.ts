import type { Page, PageOf, TokenView } from './admin-store.ts';
import type { Row } from './admin-views.ts';
import type { Sql } from './sql.ts';

// The shapes of the admin API's queries (admin.repository.ts). Every list is keyset-paginated by id (stable order),
// and every batch lookup is one query, so GraphQL's DataLoaders turn N lookups into one.

const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');
/**
 * A filter: column → value; undefined is no condition, null `is null`, an array `in`, `{ gt }` greater than,
 * `{ contains }` holds that text in any case (LIKE with its wildcards escaped, on lower() so PostgreSQL matches as SQLite does).
 */
export type Where = Record<string, unknown>;

/** `keys[i]`'s items, in the keys' order (items keep their order within a key). */
export function groupBy<V>(keys: readonly number[], items: V[], keyOf: (v: V) => number): V[][] {
  const groups = new Map<number, V[]>(keys.map((k) => [k, []]));
  for (const v of items) groups.get(keyOf(v))?.push(v);
  return keys.map((k) => groups.get(k)!);
}
export const byId = <V extends { id: number }>(ids: readonly number[], items: V[]) => {
  const map = new Map(items.map((v) => [v.id, v]));
  return ids.map((id) => map.get(id) ?? null);
};
export const newestFirst = (tokens: TokenView[]) => tokens.sort((a, b) => b.issuedAt - a.issuedAt);

/** Filtered pages and batch lookups of one database. */
export class AdminQueries {
  readonly #sql: Sql;
  constructor(sql: Sql) { this.#sql = sql; }

  /** One page (first + 1 rows, to know if there is more) of a filtered table, and its total, counted only if asked for. */
  async page<V>(table: string, columns: string, where: Where, page: Page, view: (r: Row) => V, order: 'asc' | 'desc' = 'asc'): Promise<PageOf<V>> {
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
  async whereIn(table: string, columns: string, column: string, values: readonly unknown[], extra = '', extraParams: unknown[] = []): Promise<Row[]> {
    if (!values.length) return [];
    return this.#sql.all<Row>(`select ${columns} from ${table} where ${column} in (${placeholders(values.length)}) ${extra} order by id`, [...values, ...extraParams]);
  }
}
