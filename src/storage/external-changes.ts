/** How often a SQLite server asks whether another process wrote to its database. */
export const EXTERNAL_CHANGE_CHECK_MS = 200;

/**
 * One process serves a SQLite database, but others may write to it: the CLI (revoking, deleting a client), a
 * script, the sqlite3 shell. Their commits never pass through this process's cache invalidation, so every
 * EXTERNAL_CHANGE_CHECK_MS this asks SQLite's data_version (a counter of other connections' commits, one pragma
 * call: microseconds) and empties the caches when it moved. A token revoked from the command line then stops
 * working within a fifth of a second; without this it lived until its cached lookup timed out.
 */
export function watchExternalChanges(dataVersion: () => number, onChange: () => void, everyMs = EXTERNAL_CHANGE_CHECK_MS): { stop(): void } {
  let last = dataVersion();
  const timer = setInterval(() => {
    let now: number;
    try { now = dataVersion(); } catch { return; } // closing, or briefly busy: the next tick asks again
    if (now !== last) { last = now; onChange(); }
  }, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
