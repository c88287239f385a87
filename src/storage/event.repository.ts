import type { Sql } from './sql.ts';
import type { AuditEvent, EventSink } from '../oauth2/store.ts';
import { REQUEST_REFUSED, type FailureReason } from '../oauth2/failure-reasons.ts';

/** A refused request of a client, as its developer sees it: the reason code, never the material. */
export interface ClientFailure { reason: FailureReason; error: string | null; requestId: string | null; createdAt: number }

/** The width of events.ip (event.entity.ts). */
const IP_WIDTH = 64;

/** A publish/subscribe channel shared by the instances (src/storage/redis.ts `bus`). */
export interface EventBus { publish(topic: string, payload: string): Promise<void>; subscribe(topic: string, onMessage: (payload: string) => void): void }
const EVENTS_TOPIC = 'events';

type Listener = (event: AuditEvent & { id: number; createdAt: number }) => void;

const INSERT = 'insert into events (type, user_id, client_id, ip, request_id, detail, created_at) values (?, ?, ?, ?, ?, ?, ?)';
/** At most this many events share one multi-row INSERT (seven parameters each). */
const BATCH_MAX = 100;
type Pending = { params: unknown[]; resolve: (id: number) => void; reject: (e: unknown) => void };

/**
 * Writes audit rows and tells live listeners. One row is written on every token request: on SQLite through one
 * prepared INSERT (its group commit already shares one transaction among a tick's writes); on PostgreSQL the rows
 * recorded during one turn of the event loop go in one multi-row INSERT, one round trip and one commit for all of
 * them instead of one each (see docs/performance.md: round trips bound the token rate there).
 */
export class EventRepository implements EventSink {
  readonly #sql: Sql;
  readonly #listeners = new Set<Listener>();
  #bus: EventBus | undefined;
  #pending: Pending[] = [];
  constructor(sql: Sql) { this.#sql = sql; }

  async record(event: AuditEvent) {
    const createdAt = Date.now();
    // Behind a trusted proxy the source comes from X-Forwarded-For and can be any text: keep what fits the column
    // (an over-long value must not lose the audit row, nor fail the request it audits).
    const e = event.ip && event.ip.length > IP_WIDTH ? { ...event, ip: event.ip.slice(0, IP_WIDTH) } : event;
    const params = [e.type, e.userId ?? null, e.clientId ?? null, e.ip ?? null, e.requestId ?? null, e.detail ? JSON.stringify(e.detail) : null, createdAt];
    const id = this.#sql.dialect === 'postgresql' ? await this.#batched(params) : await this.#sql.insert(INSERT, params);
    const recorded = { ...e, id, createdAt };
    // With a bus (Redis), listeners on every instance hear the event through it, this one's included; should the
    // publish fail, this instance's own listeners still hear it. The publish is not awaited: the request that
    // recorded the event does not wait for Redis (one PUBLISH per event, on the command connection).
    if (this.#bus) this.#bus.publish(EVENTS_TOPIC, JSON.stringify(recorded)).catch(() => this.#notify(recorded));
    else this.#notify(recorded);
  }

  /** Queues one row for this tick's INSERT; resolves with its id once stored. */
  #batched(params: unknown[]): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ params, resolve, reject });
      if (this.#pending.length === 1) setImmediate(() => { void this.#flush(); });
    });
  }

  async #flush() {
    const all = this.#pending;
    this.#pending = [];
    for (let i = 0; i < all.length; i += BATCH_MAX) {
      const jobs = all.slice(i, i + BATCH_MAX);
      if (jobs.length === 1) { this.#sql.insert(INSERT, jobs[0].params).then(jobs[0].resolve, jobs[0].reject); continue; }
      try {
        const rows = await this.#sql.all<{ id: number }>(`${INSERT}${', (?, ?, ?, ?, ?, ?, ?)'.repeat(jobs.length - 1)} returning id`, jobs.flatMap((j) => j.params));
        // One statement takes its serial ids in VALUES order, so its ids sorted are its rows' ids in that order
        // (RETURNING itself promises no order).
        const ids = rows.map((r) => Number(r.id)).sort((a, b) => a - b);
        jobs.forEach((j, k) => j.resolve(ids[k]));
      } catch {
        // One bad row must not lose the others' audit rows: each on its own, so only it fails.
        for (const j of jobs) this.#sql.insert(INSERT, j.params).then(j.resolve, j.reject);
      }
    }
  }

  #notify(event: AuditEvent & { id: number; createdAt: number }): void {
    for (const l of this.#listeners) l(event);
  }

  /**
   * Shares events between instances: each recorded event is published, and each one heard is given to this
   * instance's listeners (GraphQL subscriptions), so a subscriber on any instance sees events recorded on all.
   */
  connectBus(bus: EventBus): void {
    this.#bus = bus;
    bus.subscribe(EVENTS_TOPIC, (payload) => {
      let event: AuditEvent & { id: number; createdAt: number };
      try { event = JSON.parse(payload) as typeof event; } catch { return; }
      this.#notify(event);
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
