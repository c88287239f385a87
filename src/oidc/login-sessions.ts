import type { EventSink, TokenStore } from '../oauth2/store.ts';
import type { Backchannel } from './logout.ts';
import type { LoginSessionStore } from './store.ts';

export interface LoginSessionSettings {
  store: LoginSessionStore;
  /** Marks every browser session of the user signed in before `at` as over (the session user middleware reads it). */
  users: { endSessions(id: number, at: number): Promise<void> };
  backchannel: Backchannel;
  events: EventSink;
  /** Refresh tokens stop naming an ended session (Core §12.2), as a browser logout does. */
  tokens: Pick<TokenStore, 'forgetSession'>;
}

export type SessionsEndReason = 'deactivated' | 'password_changed' | 'administrator';

/**
 * The OP's memory of which RPs each login session signed in to (Back-Channel Logout §2.3), kept by user, so sessions
 * that end away from the browser still reach those RPs: deactivation, a new password, an administrator's decision.
 */
export function createLoginSessions(s: LoginSessionSettings) {
  return {
    /** A login (a new sid) or a client that got an ID Token in it: the row is rewritten. */
    save: (sid: string, userId: number, clientIds: readonly string[], expiresAt: number) => s.store.save({ sid, userId, clientIds: [...clientIds], expiresAt }),
    /** The browser logged out: the session itself named its RPs. */
    ended: (sid: string) => s.store.remove(sid),
    /**
     * Ends every session of the user: browsers signed in before now are logged out at their next request, and each
     * client that received an ID Token in one of those sessions gets a logout token with that session's sid
     * (Back-Channel Logout §2.5; in the background). Returns how many login sessions were known.
     */
    async endAllOf(userId: number, reason: SessionsEndReason, audit: { userId?: number | null; ip?: string | null; requestId?: string | null } = {}): Promise<number> {
      await s.users.endSessions(userId, Date.now());
      const rows = await s.store.takeAllOf(userId);
      for (const row of rows) {
        await s.tokens.forgetSession(row.sid);
        s.backchannel.notify(row.clientIds, { sid: row.sid, userId });
      }
      await s.events.record({ type: 'user.sessions_ended', ...audit, detail: { id: userId, reason, sessions: rows.length } });
      return rows.length;
    },
  };
}
export type LoginSessions = ReturnType<typeof createLoginSessions>;
