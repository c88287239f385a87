// RFC 8628: what the device flow needs from storage. src/storage/device-code.repository.ts implements it.
import type { IssuedRows } from './store.ts';

export type DeviceStatus = 'pending' | 'approved' | 'denied' | 'consumed';

/** A device authorization as the protocol sees it: hashes only, never the device or user code. */
export interface DeviceCodeRow {
  deviceCodeHash: string;
  userCodeHash: string;
  applicationId: number;
  scope: string;
  /** RFC 8707: the resources the device authorization request named (canonical; empty for none). */
  resources: string[];
  status: DeviceStatus;
  /** The user who approved or denied it (bound once, by compare-and-set). */
  userId: number | null;
  grantId: number | null;
  authTime: number | null;
  amr: string[];
  /** Seconds between polls (RFC 8628 §3.2 interval), raised by slow_down (§3.5). */
  interval: number;
  lastPolledAt: number | null;
  expiresAt: number;
  createdAt: number;
}

/** What one poll does to the row: issue (approved → consumed, rows stored), or remember the poll (pending). */
export type PollVerdict = { issue: IssuedRows } | { polled: { interval: number }; error: 'authorization_pending' | 'slow_down' } | { error: 'access_denied' | 'expired_token' | 'invalid_grant' };

export type PollResult = { found: false } | { found: true; verdict: PollVerdict; applied: boolean };

export interface DeviceStore {
  /** Used by: the device authorization endpoint. False when the user code's hash is taken (a collision: draw again). */
  save(row: DeviceCodeRow): Promise<boolean>;
  /** Used by: the verification page. */
  findByUserCode(userCodeHash: string): Promise<(DeviceCodeRow & { clientId: string }) | null>;
  /**
   * Used by: the verification page. Atomically, only while the code is pending and unexpired: binds it to the user
   * (approved, with the user's grant to the client widened to its scope) or denies it. False when anyone decided first.
   */
  decide(userCodeHash: string, d: { approve: boolean; userId: number; authTime: number | null; amr: string[] }, now: number): Promise<boolean>;
  /**
   * Used by: the device_code grant. Atomically (row locked): `judge` (pure, synchronous) reads the row and returns
   * a verdict; the store applies it. Of concurrent polls on an approved code exactly one gets `issue` applied.
   */
  poll(deviceCodeHash: string, now: number, judge: (row: DeviceCodeRow & { clientId: string }) => PollVerdict): Promise<PollResult>;
}
