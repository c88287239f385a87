import type { Sql } from './sql.ts';
import type { ResourceServerInput, ResourceServerRecord, ResourceServerStore } from '../oauth2/resources.ts';
import type { AccessTokenFormat } from '../oauth2/store.ts';

interface Row { id: number; identifier: string; name: string; scopes: string; access_token_format: string; access_token_ttl: number | null; created_at: number; updated_at: number }

const COLUMNS = 'id, identifier, name, scopes, access_token_format, access_token_ttl, created_at, updated_at';

const toRecord = (r: Row): ResourceServerRecord => ({
  id: Number(r.id), identifier: r.identifier, name: r.name, scopes: r.scopes.split(' ').filter(Boolean),
  accessTokenFormat: r.access_token_format as AccessTokenFormat, accessTokenTtl: r.access_token_ttl === null ? null : Number(r.access_token_ttl),
  createdAt: Number(r.created_at), updatedAt: Number(r.updated_at),
});

/**
 * Resource servers (RFC 8707). Read whole by every grant that may name a resource: a handful of rows through one
 * prepared statement, so nothing is cached and a change is seen by every instance at once.
 */
export class ResourceServerRepository implements ResourceServerStore {
  readonly #sql: Sql;
  constructor(sql: Sql) { this.#sql = sql; }

  async all() {
    return (await this.#sql.all<Row>(`select ${COLUMNS} from resource_servers order by id`)).map(toRecord);
  }

  async create(d: ResourceServerInput) {
    const now = Date.now();
    const id = await this.#sql.insert('insert into resource_servers (identifier, name, scopes, access_token_format, access_token_ttl, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?)',
      [d.identifier, d.name, d.scopes.join(' '), d.accessTokenFormat, d.accessTokenTtl, now, now]);
    return { ...d, id, createdAt: now, updatedAt: now };
  }

  async update(id: number, d: ResourceServerInput) {
    const now = Date.now();
    const changed = await this.#sql.run('update resource_servers set identifier = ?, name = ?, scopes = ?, access_token_format = ?, access_token_ttl = ?, updated_at = ? where id = ?',
      [d.identifier, d.name, d.scopes.join(' '), d.accessTokenFormat, d.accessTokenTtl, now, id]);
    if (!changed) return null;
    const r = await this.#sql.get<Row>(`select ${COLUMNS} from resource_servers where id = ?`, [id]);
    return r ? toRecord(r) : null;
  }

  async delete(id: number) {
    return (await this.#sql.run('delete from resource_servers where id = ?', [id])) > 0;
  }
}
