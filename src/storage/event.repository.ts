import type { Sql } from './sql.ts';
import type { AuditEvent, EventSink } from '../oauth2/store.ts';

type Listener = (event: AuditEvent & { id: number; createdAt: number }) => void;

/** Writes audit rows (one prepared INSERT: this runs on every token request) and tells live listeners. */
export class EventRepository implements EventSink {
  readonly #sql: Sql;
  readonly #listeners = new Set<Listener>();
  constructor(sql: Sql) { this.#sql = sql; }

  async record(e: AuditEvent) {
    const createdAt = Date.now();
    const id = await this.#sql.insert('insert into events (type, user_id, client_id, ip, request_id, detail, created_at) values (?, ?, ?, ?, ?, ?, ?)',
      [e.type, e.userId ?? null, e.clientId ?? null, e.ip ?? null, e.requestId ?? null, e.detail ? JSON.stringify(e.detail) : null, createdAt]);
    for (const l of this.#listeners) l({ ...e, id, createdAt });
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
