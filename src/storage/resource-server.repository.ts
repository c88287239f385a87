import type { Sql } from './sql.ts';
import type { ResourceServerInput, ResourceServerRecord, ResourceServerStore } from '../oauth2/resources.ts';
import type { AccessTokenFormat } from '../oauth2/store.ts';
import type { ClientCacheOptions } from './application.repository.ts';

interface Row { id: number; identifier: string; name: string; scopes: string; access_token_format: string; access_token_ttl: number | null; created_at: number; updated_at: number }

const COLUMNS = 'id, identifier, name, scopes, access_token_format, access_token_ttl, created_at, updated_at';

const toRecord = (r: Row): ResourceServerRecord => ({
  id: Number(r.id), identifier: r.identifier, name: r.name, scopes: r.scopes.split(' ').filter(Boolean),
  accessTokenFormat: r.access_token_format as AccessTokenFormat, accessTokenTtl: r.access_token_ttl === null ? null : Number(r.access_token_ttl),
  createdAt: Number(r.created_at), updatedAt: Number(r.updated_at),
});

/**
 * Resource servers (RFC 8707). Read whole by every code, refresh and device grant (a token's audience and format
 * may come from a resource named at the authorization request), so the list is cached like client records:
 * `ttlMs` 0 (instances sharing PostgreSQL without Redis) reads it every time; otherwise this instance's writes
 * drop it at once and `onChange` tells the others (Redis pub/sub; SQLite's data_version watcher for the CLI's).
 * On PostgreSQL that read was one round trip of every code exchange (see docs/performance.md).
 */
export class ResourceServerRepository implements ResourceServerStore {
  readonly #sql: Sql;
  readonly #cache: ClientCacheOptions;
  #all: { value: Promise<ResourceServerRecord[]>; until: number } | null = null;
  constructor(sql: Sql, cache: ClientCacheOptions = { ttlMs: 0 }) { this.#sql = sql; this.#cache = cache; }

  all() {
    const now = Date.now();
    if (this.#all && this.#all.until > now) return this.#all.value;
    const value = this.#sql.all<Row>(`select ${COLUMNS} from resource_servers order by id`).then((rows) => rows.map(toRecord));
    if (this.#cache.ttlMs > 0) {
      const entry = { value, until: now + this.#cache.ttlMs };
      this.#all = entry;
      // A failed read is not kept: the next caller asks the database again.
      value.catch(() => { if (this.#all === entry) this.#all = null; });
    }
    return value;
  }

  /** Drops the cached list (another instance or process changed a resource server). */
  invalidate() { this.#all = null; }

  #changed() { this.invalidate(); this.#cache.onChange?.(); }

  async create(d: ResourceServerInput) {
    const now = Date.now();
    const id = await this.#sql.insert('insert into resource_servers (identifier, name, scopes, access_token_format, access_token_ttl, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?)',
      [d.identifier, d.name, d.scopes.join(' '), d.accessTokenFormat, d.accessTokenTtl, now, now]);
    this.#changed();
    return { ...d, id, createdAt: now, updatedAt: now };
  }

  async update(id: number, d: ResourceServerInput) {
    const now = Date.now();
    const changed = await this.#sql.run('update resource_servers set identifier = ?, name = ?, scopes = ?, access_token_format = ?, access_token_ttl = ?, updated_at = ? where id = ?',
      [d.identifier, d.name, d.scopes.join(' '), d.accessTokenFormat, d.accessTokenTtl, now, id]);
    if (!changed) return null;
    this.#changed();
    const r = await this.#sql.get<Row>(`select ${COLUMNS} from resource_servers where id = ?`, [id]);
    return r ? toRecord(r) : null;
  }

  async delete(id: number) {
    const deleted = (await this.#sql.run('delete from resource_servers where id = ?', [id])) > 0;
    if (deleted) this.#changed();
    return deleted;
  }
}
