import type { Sql } from './sql.ts';
import type { AuditEvent, EventSink } from '../oauth2/store.ts';

/** The width of events.ip (event.entity.ts). */
const IP_WIDTH = 64;

type Listener = (event: AuditEvent & { id: number; createdAt: number }) => void;

/** Writes audit rows (one prepared INSERT: this runs on every token request) and tells live listeners. */
export class EventRepository implements EventSink {
  readonly #sql: Sql;
  readonly #listeners = new Set<Listener>();
  constructor(sql: Sql) { this.#sql = sql; }

  async record(event: AuditEvent) {
    const createdAt = Date.now();
    // Behind a trusted proxy the source comes from X-Forwarded-For and can be any text: keep what fits the column
    // (an over-long value must not lose the audit row, nor fail the request it audits).
    const e = event.ip && event.ip.length > IP_WIDTH ? { ...event, ip: event.ip.slice(0, IP_WIDTH) } : event;
    const id = await this.#sql.insert('insert into events (type, user_id, client_id, ip, request_id, detail, created_at) values (?, ?, ?, ?, ?, ?, ?)',
      [e.type, e.userId ?? null, e.clientId ?? null, e.ip ?? null, e.requestId ?? null, e.detail ? JSON.stringify(e.detail) : null, createdAt]);
    for (const l of this.#listeners) l({ ...e, id, createdAt });
  }

  /** Live listeners (GraphQL subscriptions), for the metrics gauge. */
  get listenerCount(): number { return this.#listeners.size; }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
