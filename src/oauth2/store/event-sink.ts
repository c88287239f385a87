/** A security-relevant event, recorded as an audit row (docs/architecture.md "Operating"). */
export interface AuditEvent {
  type: string;
  userId?: number | null;
  clientId?: string | null;
  ip?: string | null;
  requestId?: string | null;
  detail?: Record<string, unknown>;
}

export interface EventSink {
  /** Used by: every security-relevant step (login, consent, token issue/refresh/revoke, reuse, auth failure). */
  record(event: AuditEvent): Promise<void>;
}
