// RFC 8693 §4.1: the `act` (actor) claim. The current actor is the outermost; earlier ones nest inside it.

/** `{ sub, act? }`: who is acting, and who acted before them (informational, §4.1: not for access decisions). */
export interface ActClaim { sub: string; act?: ActClaim }

/** How deep a chain of delegations may go: each exchange adds one, and every token carries the whole chain. */
export const MAX_ACT_DEPTH = 5;

export function actDepth(act: ActClaim | null | undefined): number {
  let n = 0;
  for (let a = act; a; a = a.act) n++;
  return n;
}

/** The new token's act: the actor, with the subject token's own act (if it was delegated already) nested inside. */
export const delegatedAct = (actorSub: string, previous: ActClaim | null | undefined): ActClaim => (previous ? { sub: actorSub, act: previous } : { sub: actorSub });

/** Stored as JSON in access_tokens.act; anything unreadable is dropped rather than trusted. */
export function readAct(stored: string | null | undefined): ActClaim | null {
  if (!stored) return null;
  try {
    const parse = (v: unknown, depth: number): ActClaim | null => {
      if (!v || typeof v !== 'object' || depth > MAX_ACT_DEPTH) return null;
      const o = v as { sub?: unknown; act?: unknown };
      if (typeof o.sub !== 'string') return null;
      const inner = o.act === undefined ? null : parse(o.act, depth + 1);
      return inner ? { sub: o.sub, act: inner } : { sub: o.sub };
    };
    return parse(JSON.parse(stored), 1);
  } catch {
    return null;
  }
}

export const writeAct = (act: ActClaim | null | undefined): string | null => (act ? JSON.stringify(act) : null);
