/** How often a SQLite server asks whether another process wrote to its database. */
export const EXTERNAL_CHANGE_CHECK_MS = 200;

/**
 * One process serves a SQLite database, but others may write to it: the CLI (revoking, deleting a client), a
 * script, the sqlite3 shell. Their commits never pass through this process's cache invalidation, so every
 * EXTERNAL_CHANGE_CHECK_MS this asks SQLite's data_version (a counter of other connections' commits, one pragma
 * call: microseconds) and empties the caches when it moved. A token revoked from the command line then stops
 * working within a fifth of a second; without this it lived until its cached lookup timed out.
 */
export function watchExternalChanges(dataVersion: () => number, onChange: () => void, opts: { everyMs?: number; onError?: (e: unknown) => void } = {}): { stop(): void } {
  let last = dataVersion();
  let failing = false;
  const timer = setInterval(() => {
    let now: number;
    try { now = dataVersion(); } catch (e) {
      // Unable to tell whether anything changed: treat it as changed (the next reads go to the database) and say
      // so once, not every tick, until the pragma answers again.
      if (!failing) opts.onError?.(e);
      failing = true;
      onChange();
      return;
    }
    failing = false;
    if (now !== last) { last = now; onChange(); }
  }, opts.everyMs ?? EXTERNAL_CHANGE_CHECK_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
