/**
 * JWT access tokens are minted in turns: every issuance that reaches issueAndRecord (issue.ts) during one turn of the
 * event loop is minted, signature included, back to back in one callback (setImmediate, after the turn's I/O), and
 * each caller then goes on with its own rows. An ES256 signature walks OpenSSL's ~150 KB precomputed P-256 table;
 * made one per request between two requests' other work, the table and the request path evict each other from the
 * CPU's caches and both run slower. Minted together, a loaded server spends about a quarter less CPU a JWT
 * (docs/performance.md, issue 19). The code, refresh and device grants mint inside their store's transaction, which
 * the SQLite group commit already runs back to back. A mint that throws fails its own caller only.
 */
let waiting: { mint: () => unknown; resolve: (value: unknown) => void; reject: (e: unknown) => void }[] = [];

export function mintInTurn<T>(mint: () => T): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    waiting.push({ mint, resolve: resolve as (value: unknown) => void, reject });
    if (waiting.length === 1) setImmediate(mintTurn);
  });
}

function mintTurn() {
  const turn = waiting;
  waiting = [];
  for (const m of turn) {
    try { m.resolve(m.mint()); } catch (e) { m.reject(e); }
  }
}
