import { randomUUID } from 'node:crypto';
import { IdTokenHintRefused, verifyIdTokenHint } from './id-token-hint.ts';
import type { ClientRecord, ClientStore, EventSink } from '../oauth2/store.ts';
import { DEFAULT_SIGNING_ALG, type KeyRing } from './keys.ts';
import { postForm, OutboundRefused, refusedByOwnBound, type OutboundOptions } from './outbound.ts';
import type { Subjects } from './subject.ts';
import { signJwt } from './jws.ts';

export const END_SESSION_PATH = '/o/logout/';
export const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

export class LogoutRefused extends Error {}

/** A validated RP-Initiated Logout 1.0 §2 request: the client asking, and where to send the user after. */
/** state is echoed in a Location header: bounded, as the authorization request's values are. */
const MAX_STATE_LENGTH = 2048;

export interface LogoutRequest { client: ClientRecord | null; redirectTo: string | null; hintSub: string | null }

/**
 * Where the user goes after logging out (RP-Initiated Logout §3). Any user may register a client with any
 * post-logout URI and hold ID Tokens of their own, so a verified hint proves only that its client asked: the OP
 * redirects only when the hint names the signed-in user (`signedInSub`, their sub at that client, Core §8);
 * with nobody signed in, the target is offered as a link on the signed-out page, never followed unasked.
 */
export function afterLogout(req: LogoutRequest, signedInSub: string | null | undefined): { redirectTo: string | null; offer: string | null } {
  if (!req.redirectTo) return { redirectTo: null, offer: null };
  if (signedInSub === undefined) return { redirectTo: null, offer: req.redirectTo };
  return { redirectTo: signedInSub !== null && signedInSub === req.hintSub ? req.redirectTo : null, offer: null };
}

/**
 * RP-Initiated Logout 1.0 §2-§3. id_token_hint must be an ID Token we signed (an expired one is fine, §2), and its
 * audience names the client; client_id, if also sent, must be that client. post_logout_redirect_uri must be one the
 * client registered, compared exactly (§3.1): otherwise the request is refused, never redirected (no open redirect).
 */
export async function validateLogoutRequest(params: Record<string, string>, deps: { keys: KeyRing; issuer: string; clients: Pick<ClientStore, 'findByClientId'> }): Promise<LogoutRequest> {
  if (params.state !== undefined && params.state.length > MAX_STATE_LENGTH) throw new LogoutRefused(`state is longer than ${MAX_STATE_LENGTH} characters.`);
  let clientId = params.client_id || null;
  let hintSub: string | null = null;
  if (params.id_token_hint) {
    const claims = await verifyOurIdToken(params.id_token_hint, deps.keys, deps.issuer);
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (aud.length !== 1 || typeof aud[0] !== 'string') throw new LogoutRefused('The ID Token hint names no single client.');
    if (clientId && clientId !== aud[0]) throw new LogoutRefused('client_id is not the audience of the ID Token hint.');
    clientId = aud[0];
    hintSub = typeof claims.sub === 'string' ? claims.sub : null;
  }
  const client = clientId ? await deps.clients.findByClientId(clientId) : null;
  if (clientId && !client) throw new LogoutRefused('Unknown client.');
  const uri = params.post_logout_redirect_uri;
  if (uri === undefined) return { client, redirectTo: null, hintSub };
  // §3.1: exact match against the client's registration; without a client there is nothing to match.
  if (!client || !client.postLogoutRedirectUris.includes(uri)) throw new LogoutRefused('post_logout_redirect_uri is not registered for this client.');
  // §3: without an id_token_hint the OP MUST NOT redirect unless it can otherwise confirm the target; a client_id
  // proves nothing (any user may register a client), so the user stays on our signed-out page.
  if (!params.id_token_hint) return { client, redirectTo: null, hintSub };
  const target = new URL(uri);
  if (params.state !== undefined) target.searchParams.append('state', params.state);
  return { client, redirectTo: target.href, hintSub };
}

async function verifyOurIdToken(token: string, keys: KeyRing, issuer: string): Promise<Record<string, unknown>> {
  try { return await verifyIdTokenHint(token, keys, issuer); } catch (e) {
    if (e instanceof IdTokenHintRefused) throw new LogoutRefused(e.message);
    throw e;
  }
}

/** One RP page the signed-out page frames (Front-Channel Logout 1.0 §3), and its origin for the page's CSP. */
export interface FrontchannelFrame { src: string; origin: string }

/**
 * Front-Channel Logout 1.0 §3: the signed-out page renders the frontchannel_logout_uri of each client the session
 * signed in to, in an iframe; §2/§3: with iss and sid query parameters when the client registered
 * frontchannel_logout_session_required (added to the URI's own query, which §2 allows).
 */
export async function frontchannelFrames(clientIds: readonly string[], sid: string | null, issuer: string, clients: Pick<ClientStore, 'findByClientId'>, subjects: Pick<Subjects, 'sidFor'>): Promise<FrontchannelFrame[]> {
  const frames: FrontchannelFrame[] = [];
  for (const id of clientIds) {
    const client = await clients.findByClientId(id).catch(() => null);
    if (!client?.frontchannelLogoutUri) continue;
    const url = new URL(client.frontchannelLogoutUri);
    if (client.frontchannelLogoutSessionRequired && sid) {
      url.searchParams.append('iss', issuer);
      url.searchParams.append('sid', subjects.sidFor(sid, client));
    }
    frames.push({ src: url.href, origin: url.origin });
  }
  return frames;
}

export interface BackchannelSettings {
  keys: KeyRing;
  issuer: () => string;
  clients: Pick<ClientStore, 'findByClientId'>;
  events: EventSink;
  outbound: () => OutboundOptions;
  /** Each client's sub for the user (Core §8: pairwise clients know their own). */
  subjects: Subjects;
  /** Delays before each retry, in milliseconds (the first attempt is immediate). */
  retryDelaysMs?: readonly number[];
}

/** Back-Channel Logout 1.0 §2.4: the logout_token for one client. */
export async function logoutToken(keys: KeyRing, issuer: string, client: ClientRecord, subject: { sub: string; sid: string | null }, now: number): Promise<string> {
  // §2.4: signed with the keys that sign ID Tokens, so with the algorithm the client registered for its ID Tokens.
  const key = await keys.signingKey(client.idTokenSignedResponseAlg ?? DEFAULT_SIGNING_ALG);
  const iat = Math.floor(now / 1000);
  // §2.4: sub and/or sid, events with the back-channel logout member, a jti; a nonce is prohibited.
  const claims: Record<string, unknown> = { iss: issuer, aud: client.clientId, iat, exp: iat + 120, jti: randomUUID(), sub: subject.sub, events: { [BACKCHANNEL_EVENT]: {} } };
  if (subject.sid) claims.sid = subject.sid;
  return signJwt(key, claims, 'logout+jwt');
}

/**
 * Whether a failed delivery is worth another attempt. §2.8: an RP answers 400 when the logout failed at its end,
 * typically because it rejected the logout token; a new token with the same claims, signed by the same key, would
 * meet the same answer, so 400 is final. A target our outbound guard refused stays refused. Everything else (a
 * network error, a timeout, 5xx, 429 or another status) may be passing, and is retried a bounded number of times.
 */
const worthRetrying = (o: { status?: number; refused?: boolean }) => !o.refused && o.status !== 400;

/** At most this many back-channel requests are open at once in a process, */
const MAX_IN_FLIGHT = 32;
/**
 * at most this many for one sharer (turnsOf: an owner). Anyone may register clients whose back-channel host never
 * answers: with one queue for all, a user's logouts at such clients held every request open for the outbound timeout
 * while another relying party's logout waited behind them, longer with every cycle (73 s after 40: attacker read 20, F3),
 */
const MAX_IN_FLIGHT_PER_SHARER = 4;
/** and one for one client: an owner's relying party that hangs holds one turn, never its siblings' (read 22, F5). */
const MAX_IN_FLIGHT_PER_CLIENT = 1;
/** Deliveries waiting for one sharer past which another fails at once, to be retried later as busy. */
const MAX_WAITING_PER_SHARER = 200;

class TurnsBusy extends Error {}

/**
 * Whose share of the turns a delivery takes: its client's owner. Not the host's: anyone may point their clients at
 * another relying party's host (another port, firewalled), and shared that host's turns (attacker read 21, F1). Clients
 * registered dynamically or by a metadata document share one system owner and nothing ties them to a host or site, so
 * each is a sharer of its own (a site let a stranger's dynamic client join a victim's: read 22, F2).
 */
const turnsOf = (client: ClientRecord): string => (client.registered === 'owner' ? `owner ${client.ownerId}` : `client ${client.id}`);

/**
 * Turns for outbound requests, fair between sharers (turnsOf) and between the clients of one: a freed turn goes to the
 * next sharer with a delivery whose client has no turn open, in round-robin order, so one sharer's queue never stands
 * in front of another's, nor one client's in front of its siblings'.
 */
function fairTurns(): <T>(sharer: string, client: number, fn: () => Promise<T>) => Promise<T> {
  let inFlight = 0;
  // Insertion order is the round-robin order: a sharer served moves to the back.
  const sharers = new Map<string, { open: number; clients: Map<number, number>; waiting: { client: number; go: () => void }[] }>();
  const serve = (): void => {
    for (const [key, h] of sharers) {
      if (inFlight >= MAX_IN_FLIGHT) return;
      if (h.open >= MAX_IN_FLIGHT_PER_SHARER) continue;
      const next = h.waiting.findIndex((w) => (h.clients.get(w.client) ?? 0) < MAX_IN_FLIGHT_PER_CLIENT);
      if (next < 0) continue;
      const [w] = h.waiting.splice(next, 1);
      sharers.delete(key);
      sharers.set(key, h);
      h.open++;
      h.clients.set(w.client, (h.clients.get(w.client) ?? 0) + 1);
      inFlight++;
      w.go();
      return serve();
    }
  };
  return async (sharer, client, fn) => {
    let h = sharers.get(sharer);
    if (!h) sharers.set(sharer, (h = { open: 0, clients: new Map(), waiting: [] }));
    if (h.waiting.length >= MAX_WAITING_PER_SHARER) throw new TurnsBusy();
    const mine = h;
    await new Promise<void>((go) => { mine.waiting.push({ client, go }); serve(); });
    try { return await fn(); } finally {
      mine.open--;
      const left = (mine.clients.get(client) ?? 1) - 1;
      if (left > 0) mine.clients.set(client, left); else mine.clients.delete(client);
      inFlight--;
      if (mine.open === 0 && mine.waiting.length === 0 && sharers.get(sharer) === mine) sharers.delete(sharer);
      serve();
    }
  };
}

const isTimeout = (e: unknown) => e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError' || /timed? ?out/i.test(e.message));

/**
 * Back-Channel Logout 1.0 §2.5: POSTs a logout_token to each client the session signed in to that registered a
 * backchannel_logout_uri. Runs in the background (the logout page does not wait); each attempt's outcome is an
 * audit event (`detail.retry` says whether another attempt follows); failures are retried after each of
 * `retryDelaysMs`, a growing backoff. Each attempt signs a new token (new jti and iat): the RP may have seen the
 * last one. Retries live in this process: a restart forgets them (the events show what was left undelivered).
 */
export function createBackchannel(s: BackchannelSettings) {
  const pending = new Set<Promise<void>>();
  const delays = s.retryDelaysMs ?? [2_000, 10_000, 60_000];
  // Outbound work is bounded for the whole process and shared fairly between owners (fairTurns, turnsOf): a user with
  // many clients (any user may register them) logging out again and again holds at most their own share.
  const inTurn = fairTurns();
  async function deliver(client: ClientRecord, sid: string | null, userId: number): Promise<void> {
    const uri = client.backchannelLogoutUri!;
    const sub = s.subjects.of(userId, client);
    for (let attempt = 1; attempt <= delays.length + 1; attempt++) {
      let outcome: { status?: number; error?: string; refused?: boolean };
      try {
        // Signed once its turn has come: a token signed before a long wait reached the relying party expired, which
        // answers 400, final (attacker read 23, F1: 133 s behind 860 strangers' clients, past the token's 120 s).
        const subject = { sub, sid: sid === null ? null : s.subjects.sidFor(sid, client) };
        outcome = { status: await inTurn(turnsOf(client), client.id, async () => postForm(uri, { logout_token: await logoutToken(s.keys, s.issuer(), client, subject, Date.now()) }, s.outbound())) };
      } catch (e) {
        // The client's owner reads these events: a reason class, never the resolver's or the guard's words (which
        // would tell them how a host name resolves inside our network).
        outcome = e instanceof OutboundRefused ? { error: 'refused', refused: true } : e instanceof TurnsBusy || refusedByOwnBound(e) ? { error: 'busy' } : { error: isTimeout(e) ? 'timeout' : 'unreachable' };
      }
      // §2.8: the RP answers 200 when it logged out; OPs should also take 204 (frameworks send it for an empty body).
      const ok = outcome.status === 200 || outcome.status === 204;
      const retry = !ok && worthRetrying(outcome) && attempt <= delays.length;
      const { refused: _r, ...shown } = outcome;
      await s.events.record({ type: ok ? 'logout.backchannel.delivered' : 'logout.backchannel.failed', userId, clientId: client.clientId, detail: { attempt, ...shown, retry } }).catch(() => undefined);
      if (!retry) return;
      await new Promise((r) => setTimeout(r, delays[attempt - 1]).unref?.());
    }
  }
  return {
    /** Starts delivery to every client of `clientIds` with a back-channel; returns at once. */
    notify(clientIds: readonly string[], subject: { sid: string | null; userId: number }): void {
      const run = (async () => {
        for (const id of clientIds) {
          const client = await s.clients.findByClientId(id).catch(() => null);
          if (!client?.backchannelLogoutUri) continue;
          const p = deliver(client, subject.sid, subject.userId);
          pending.add(p);
          void p.finally(() => pending.delete(p));
        }
      })();
      pending.add(run);
      void run.finally(() => pending.delete(run));
    },
    /** Resolves when every delivery started so far has finished (tests; a graceful stop). */
    async idle(): Promise<void> { while (pending.size) await Promise.allSettled([...pending]); },
  };
}
export type Backchannel = ReturnType<typeof createBackchannel>;
