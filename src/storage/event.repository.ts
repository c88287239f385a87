import type { Sql } from './sql.ts';
import { CLIENT_ID_LENGTH } from './columns.ts';
import type { AuditEvent, EventSink } from '../oauth2/store.ts';
import { REQUEST_REFUSED, type FailureReason } from '../oauth2/failure-reasons.ts';

/** A refused request of a client, as its developer sees it: the reason code, never the material. */
export interface ClientFailure { reason: FailureReason; error: string | null; requestId: string | null; createdAt: number }

/** The width of events.ip (event.entity.ts). */
const IP_WIDTH = 64;
const tooLong = (v: string | null | undefined, width: number): v is string => v != null && v.length > width;

/** A publish/subscribe channel shared by the instances (src/storage/redis.ts `bus`). */
export interface EventBus { publish(topic: string, payload: string): Promise<void>; subscribe(topic: string, onMessage: (payload: string) => void): void }
const EVENTS_TOPIC = 'events';

const INSERT = 'insert into events (type, user_id, client_id, ip, request_id, detail, created_at) values (?, ?, ?, ?, ?, ?, ?)';
type Recorded = AuditEvent & { id: number; createdAt: number };
type Listener = (event: Recorded) => void;

/**
 * Writes audit rows and tells live listeners. One row is written on every token request, through Sql's group
 * commit on both engines (storage/sql-sqlite.ts, pg-coalesced-inserts.ts: the rows of one event-loop turn share one
 * commit, and on PostgreSQL one statement). With a bus the events of one turn also share one PUBLISH (docs/performance.md, issue 21).
 */
export class EventRepository implements EventSink {
  readonly #sql: Sql;
  readonly #listeners = new Set<Listener>();
  #bus: EventBus | undefined;
  #outbox: Recorded[] = [];
  constructor(sql: Sql) { this.#sql = sql; }

  async record(event: AuditEvent) {
    const createdAt = Date.now();
    // Behind a trusted proxy the source comes from X-Forwarded-For and can be any text: keep what fits the column
    // (an over-long value must not lose the audit row, nor fail the request it audits).
    // A client's own client_id always fits (CLIENT_ID_LENGTH); one presented that names no client can be any length.
    const e = tooLong(event.ip, IP_WIDTH) || tooLong(event.clientId, CLIENT_ID_LENGTH)
      ? { ...event, ip: event.ip?.slice(0, IP_WIDTH), clientId: event.clientId?.slice(0, CLIENT_ID_LENGTH) } : event;
    const id = await this.#sql.insert(INSERT, [e.type, e.userId ?? null, e.clientId ?? null, e.ip ?? null, e.requestId ?? null, e.detail ? JSON.stringify(e.detail) : null, createdAt]);
    const recorded = { ...e, id, createdAt };
    if (!this.#bus) { this.#notify(recorded); return; }
    // With a bus (Redis), listeners on every instance hear the event through it, this one's included. The events
    // recorded in one turn go in one PUBLISH (a JSON array), not awaited: the request does not wait for Redis.
    this.#outbox.push(recorded);
    if (this.#outbox.length === 1) setImmediate(() => this.#publish());
  }

  #publish() {
    const events = this.#outbox;
    this.#outbox = [];
    // Should the publish fail, this instance's own listeners still hear the events.
    this.#bus!.publish(EVENTS_TOPIC, JSON.stringify(events)).catch(() => { for (const e of events) this.#notify(e); });
  }

  #notify(event: Recorded): void {
    for (const l of this.#listeners) l(event);
  }

  /**
   * Shares events between instances: each recorded event is published, and each one heard is given to this
   * instance's listeners (GraphQL subscriptions), so a subscriber on any instance sees events recorded on all.
   */
  connectBus(bus: EventBus): void {
    this.#bus = bus;
    bus.subscribe(EVENTS_TOPIC, (payload) => {
      // Every instance hears every event; one with no listener (no live subscription) has nothing to read it for.
      if (this.#listeners.size === 0) return;
      let events: Recorded | Recorded[];
      try { events = JSON.parse(payload) as typeof events; } catch { return; }
      // An array from this version; one event from an instance of the version before (a rolling upgrade).
      for (const event of Array.isArray(events) ? events : [events]) this.#notify(event);
    });
  }

  /**
   * The newest refusals of a client (client authentication failures and refused protocol requests), at most
   * `limit`: the page and GraphQL show only these, whatever the table holds (events.client_id is indexed).
   */
  async recentFailures(clientId: string, limit: number): Promise<ClientFailure[]> {
    const rows = await this.#sql.all<{ type: string; detail: string | null; request_id: string | null; created_at: number | string }>(
      'select type, detail, request_id, created_at from events where client_id = ? and type in (?, ?) order by id desc limit ?',
      [clientId, 'client.auth_failed', REQUEST_REFUSED, limit]);
    return rows.map((r) => {
      const d = (r.detail ? JSON.parse(r.detail) : {}) as { reason?: FailureReason; error?: string };
      return { reason: d.reason ?? (r.type === 'client.auth_failed' ? 'secret_mismatch' : 'other'), error: d.error ?? (r.type === 'client.auth_failed' ? 'invalid_client' : null), requestId: r.request_id, createdAt: Number(r.created_at) };
    });
  }

  /** Live listeners (GraphQL subscriptions), for the metrics gauge. */
  get listenerCount(): number { return this.#listeners.size; }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
