// Fills a migrated Gatehouse SQLite file fast — better-sqlite3, prepared statements, one transaction — while the
// server is stopped. Every inserted row is a clone of a row the server itself wrote (a password-grant access and
// refresh token, the registered client), so the seeded data has exactly the server's shape; only the hash, the
// family and the expiry differ. The benchmark knows the plaintext of the pool tokens; background rows only need
// a unique key, so theirs is random after the time prefix.
//
// Keys have the server's own format (ordered tokens: issue time, then random; see src/oauth2/tokens.ts) and rows go
// in in issue order, as a running server writes them: background rows issued over the past 30 days, oldest first,
// then the pools, issued now. That is where the tokens a client presents are: with rotation every refresh token
// in use was issued at the previous refresh, and access tokens live an hour.
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { generateOrderedToken, hashToken } from '../src/oauth2/tokens.ts';
import { newFamilyId } from '../src/oauth2/issue.ts';

const DAY = 24 * 3600 * 1000;
const SPAN = 30 * DAY;

export interface SeedOptions {
  /** Rows access_tokens should hold in total (pools included). refresh_tokens gets as many, or the refresh pool if larger. */
  stored: number;
  /** Valid access tokens whose plaintext is returned (introspection, bearer calls). */
  accessPool: number;
  /** Unused refresh tokens, each of its own family, whose plaintext is returned (one per refresh request). */
  refreshPool: number;
  /** Clients the GraphQL query can list (the registered one included). */
  clients: number;
  /** Ids of real rows to clone. */
  templates: { accessTokenId: number; refreshTokenId: number; applicationId: number };
}

export interface SeedResult { access: string[]; refresh: string[]; accessRows: number; refreshRows: number; clients: number; ms: number }

/** Inserts clones of row `id` of `table`, overriding some columns per row. */
function cloner(db: Database.Database, table: string, id: number) {
  const row = db.prepare(`select * from ${table} where id = ?`).get(id) as Record<string, unknown> | undefined;
  if (!row) throw new Error(`seed: no ${table} row ${id} to clone`);
  delete row.id;
  const cols = Object.keys(row);
  const ins = db.prepare(`insert into ${table} (${cols.map((c) => `"${c}"`).join(', ')}) values (${cols.map((c) => `@${c}`).join(', ')})`);
  return { row, insert: (over: Record<string, unknown>) => ins.run({ ...row, ...over }) };
}

/** The tables seeding adds rows to, each row a clone of the template row with some columns overridden. */
export type SeedTable = 'access_tokens' | 'refresh_tokens' | 'applications';

/**
 * The rows to add to reach `o` from `counts` (the rows each table holds now), in insertion order, for either engine:
 * fills `access` and `refresh` with the pools' plaintext as it goes.
 */
export function* seedRows(o: SeedOptions, counts: Record<SeedTable, number>, out: Pick<SeedResult, 'access' | 'refresh'>, now = Date.now()): Generator<[SeedTable, Record<string, unknown>]> {
  // Background rows: a realistic mix — half expired, a tenth revoked, the rest live for an hour to a month.
  // Background row i of n, issued at an even pace over the past 30 days (so in key and rowid order).
  const background = (i: number, n: number) => {
    const created = now - SPAN + Math.floor((i * SPAN) / Math.max(1, n));
    return {
      token_hash: hashToken(generateOrderedToken(created)), family_id: newFamilyId(created), created_at: created,
      expires_at: i % 2 ? now - (i % 1000) * 60_000 - 1 : now + 3600_000 + (i % 720) * 3600_000,
      revoked_at: i % 10 === 3 ? now - 1 : null,
    };
  };
  const accessBackground = o.stored - counts.access_tokens - o.accessPool;
  const refreshBackground = o.stored - counts.refresh_tokens - o.refreshPool;
  for (let i = 0; i < accessBackground; i++) yield ['access_tokens', background(i, accessBackground)];
  for (let i = 0; i < refreshBackground; i++) yield ['refresh_tokens', { ...background(i, refreshBackground), used_at: i % 4 === 1 ? now - 1 : null }];
  for (let i = 0; i < o.accessPool; i++) {
    const t = generateOrderedToken(now);
    out.access.push(t);
    yield ['access_tokens', { token_hash: hashToken(t), expires_at: now + 365 * DAY, created_at: now, revoked_at: null }];
  }
  for (let i = 0; i < o.refreshPool; i++) {
    const t = generateOrderedToken(now);
    out.refresh.push(t);
    yield ['refresh_tokens', { token_hash: hashToken(t), family_id: newFamilyId(now), expires_at: now + 365 * DAY, created_at: now, used_at: null, revoked_at: null }];
  }
  for (let i = counts.applications; i < o.clients; i++) yield ['applications', { client_id: randomBytes(18).toString('base64url'), name: `Bench client ${i}` }];
}

/** The template row each table's seeded rows are cloned from. */
export const templateIds = (o: SeedOptions): Record<SeedTable, number> => ({ access_tokens: o.templates.accessTokenId, refresh_tokens: o.templates.refreshTokenId, applications: o.templates.applicationId });

export function seed(file: string, o: SeedOptions): SeedResult {
  const t0 = performance.now();
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const ids = templateIds(o);
  const tables = Object.keys(ids) as SeedTable[];
  const cloners = Object.fromEntries(tables.map((t) => [t, cloner(db, t, ids[t])])) as Record<SeedTable, ReturnType<typeof cloner>>;
  const count = (t: string) => (db.prepare(`select count(*) as n from ${t}`).get() as { n: number }).n;
  const out: SeedResult = { access: [], refresh: [], accessRows: 0, refreshRows: 0, clients: 0, ms: 0 };
  db.transaction(() => {
    for (const [table, over] of seedRows(o, Object.fromEntries(tables.map((t) => [t, count(t)])) as Record<SeedTable, number>, out)) cloners[table].insert(over);
  })();
  out.accessRows = count('access_tokens');
  out.refreshRows = count('refresh_tokens');
  out.clients = count('applications');
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  out.ms = performance.now() - t0;
  return out;
}

/**
 * A pending RFC 8628 device code for the device-flow polling scenario, stored as src/oauth2/device.ts stores one
 * (hashToken of the code). Interval 0: a poll is never "too soon", so every poll is authorization_pending, never
 * slow_down (§3.5), which node-oidc-provider does not answer either: both servers do the same work.
 */
export function pendingDeviceCode(file: string, applicationId: number): string {
  const row = pendingDeviceCodeRow(applicationId);
  const db = new Database(file);
  try {
    db.prepare(row.sql).run(...row.params);
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally { db.close(); }
  return row.code;
}

/** The statement (`?` placeholders) storing a pending device code, for either engine. */
export function pendingDeviceCodeRow(applicationId: number) {
  const code = randomBytes(32).toString('base64url');
  const now = Date.now();
  return {
    code, params: [hashToken(code), hashToken(randomBytes(16).toString('hex')), applicationId, now + 7 * 24 * 3600_000, now],
    sql: `insert into device_codes (device_code_hash, user_code_hash, application_id, scope, status, amr, poll_interval, last_polled_at, expires_at, created_at)
      values (?, ?, ?, 'read', 'pending', '', 0, null, ?, ?)`,
  };
}

/** Folds the WAL into the main file so the file can be copied on its own. */
export function checkpoint(file: string): void {
  const db = new Database(file);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

/** Reads one value from the database (fixture building looks up the rows the server wrote). */
export function query<T>(file: string, sql: string, ...params: unknown[]): T | undefined {
  const db = new Database(file, { readonly: true });
  try { return db.prepare(sql).get(...params) as T | undefined; } finally { db.close(); }
}
