import type { EntityManager } from '@mikro-orm/core';
import { Event } from './event.entity.ts';
import type { AuditEvent, EventSink } from '../oauth2/store.ts';

type Listener = (event: AuditEvent & { id: number; createdAt: number }) => void;

/** Writes audit rows and tells live listeners (the GraphQL subscription) about each one. */
export class EventRepository implements EventSink {
  readonly #em: () => EntityManager;
  readonly #listeners = new Set<Listener>();
  constructor(em: () => EntityManager) { this.#em = em; }

  async record(e: AuditEvent) {
    const createdAt = Date.now();
    const id = await this.#em().insert(Event, {
      type: e.type,
      userId: e.userId ?? null,
      clientId: e.clientId ?? null,
      ip: e.ip ?? null,
      requestId: e.requestId ?? null,
      detail: e.detail ? JSON.stringify(e.detail) : null,
      createdAt,
    });
    for (const l of this.#listeners) l({ ...e, id: Number(id), createdAt });
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
