import { readAct } from '../../oauth2/token-exchange/act.ts';

/**
 * access_tokens.actor_client_id (RFC 8693 §4.1: the current actor of a delegated token) is how a client's deletion
 * finds the tokens it acted in (storage/revocation.ts). A token delegated before the column held its actor only inside
 * `act`: filled here from `act.sub`, read as the token path reads it (readAct), for the tokens still live. Without it
 * such a token outlived its actor's deletion until it expired.
 */
export async function fillActorClientIds(execute: (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>, now = Date.now()): Promise<void> {
  const rows = await execute('select id, act from access_tokens where act is not null and actor_client_id is null and revoked_at is null and expires_at > ?', [now]);
  const byActor = new Map<string, number[]>();
  for (const r of rows) {
    const actor = readAct(r.act as string)?.sub;
    if (actor !== undefined) byActor.set(actor, [...(byActor.get(actor) ?? []), Number(r.id)]);
  }
  for (const [actor, ids] of byActor) {
    for (let i = 0; i < ids.length; i += 500) {
      const batch = ids.slice(i, i + 500);
      await execute(`update access_tokens set actor_client_id = ? where id in (${batch.map(() => '?').join(', ')})`, [actor, ...batch]);
    }
  }
}
