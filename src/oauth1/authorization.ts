import type { EventSink, GrantStore } from '../oauth2/store.ts';
import { generateToken } from '../oauth2/tokens.ts';
import type { OAuth1FlowStore } from './store.ts';

// RFC 5849 §2.2: resource owner authorization. The HTTP layer signs the user in (the server MUST first verify the
// resource owner's identity) and shows the consent page; the decision and its answer are made here.

/** Temporary credentials waiting for the user's answer. */
export interface PendingAuthorization {
  token: string;
  applicationId: number;
  /** Where the user goes back to; null when out of band ("oob"): the verifier is shown instead. */
  callback: string | null;
}

export interface AuthorizationDeps {
  store: OAuth1FlowStore;
  grants: GrantStore;
  events: EventSink;
  /** Milliseconds since the epoch. */
  now: number;
  audit: { ip: string | null; requestId: string | null };
}

export type Decision =
  | { outcome: 'approved'; verifier: string; redirect: string | null }
  | { outcome: 'refused'; redirect: string | null }
  /** Approved or refused before (another tab, a double submit): nothing changed. */
  | { outcome: 'already_answered' };

/** The temporary credentials `token` names, if they still await an answer: null when unknown, expired, refused or spent. */
export async function findPending(store: OAuth1FlowStore, token: string | undefined, now: number): Promise<PendingAuthorization | null> {
  const t = token ? await store.findToken(token) : null;
  if (!t || t.kind !== 'temporary' || t.revoked || (t.expiresAt !== null && t.expiresAt < now)) return null;
  return { token: t.token, applicationId: t.applicationId, callback: t.callback && t.callback !== 'oob' ? t.callback : null };
}

/** The host the consent page names as the destination, or null when out of band. */
export const callbackHost = (p: PendingAuthorization): string | null => (p.callback ? new URL(p.callback).host : null);

/** RFC 5849 §2.2: oauth_token and the answer are appended to the callback URI, keeping any query it has. */
function callbackUri(callback: string, token: string, extra: Record<string, string>): string {
  const url = new URL(callback);
  for (const [k, v] of Object.entries({ oauth_token: token, ...extra })) url.searchParams.append(k, v);
  return url.toString();
}

/** The user's answer: a verifier bound to them and their grant (§2.2), or the temporary credentials refused. */
export async function decide(p: PendingAuthorization, userId: number, allow: boolean, deps: AuthorizationDeps): Promise<Decision> {
  const detail = { protocol: 'oauth1', applicationId: p.applicationId };
  if (!allow) {
    await deps.store.refuseTemporary(p.token);
    await deps.events.record({ type: 'consent.denied', userId, ...deps.audit, detail });
    return { outcome: 'refused', redirect: p.callback && callbackUri(p.callback, p.token, { oauth_problem: 'user_refused' }) };
  }
  const existing = await deps.grants.find(userId, p.applicationId);
  const grant = await deps.grants.upsert(userId, p.applicationId, existing?.scope ?? '', deps.now);
  const verifier = generateToken(16);
  // Only the first answer binds a verifier: the store refuses credentials already approved, refused or spent.
  if (!(await deps.store.approveTemporary(p.token, userId, verifier, grant.id))) return { outcome: 'already_answered' };
  await deps.events.record({ type: 'consent.granted', userId, ...deps.audit, detail });
  // RFC 5849 §2.2: the redirect MUST carry oauth_token and oauth_verifier.
  return { outcome: 'approved', verifier, redirect: p.callback && callbackUri(p.callback, p.token, { oauth_verifier: verifier }) };
}
