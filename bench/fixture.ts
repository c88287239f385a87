// One database template per stored-token size, built once per run and copied before every Gatehouse start, so each
// measurement begins from the same state (the token scenarios add rows; the refresh scenario spends its pool).
import { closeSync, copyFileSync, fsyncSync, openSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { hashToken } from '../src/oauth2/tokens.ts';
import { ADMIN_PASSWORD, benchEnv, cli, start, stop } from './server.ts';
import { checkpoint, pendingDeviceCode, query, seed, type SeedOptions, type SeedResult } from './seed.ts';
import { basic } from './scenarios.ts';

export interface Fixture {
  stored: number;
  /** The seeded template: a SQLite file, or a PostgreSQL database's name (bench/pg.ts). */
  template: string;
  clientId: string;
  clientSecret: string;
  /** A second client whose access tokens are RFC 9068 JWTs (access_token_format jwt), client_credentials only. */
  jwtClientId: string;
  jwtClientSecret: string;
  /** Valid JWT access tokens of that client (client_credentials, scope read), for bearer calls. */
  jwtAccess: string[];
  /** Valid access tokens (scope read, bound to user admin). */
  access: string[];
  /** Unused refresh tokens; the first `minted` came from real password grants, the rest are clones of those rows. */
  refresh: string[];
  minted: number;
  /** Access token with scope admin from a password grant, for the GraphQL scenario. */
  adminToken: string;
  /** RFC 8628 device code of the first client, never approved (interval 0), stored as the device store hashes it. */
  deviceCode: string;
  seeded: SeedResult;
  sizeMb: number;
  buildMs: number;
}

const form = { 'content-type': 'application/x-www-form-urlencoded' };

/** Where a fixture is built: the SQLite file (default) or a PostgreSQL database (bench/pg.ts). */
export interface FixtureStore {
  /** The template's name: a file, or a database. */
  template: string;
  /** The environment of a Gatehouse serving the template (it migrates an empty one). */
  env: NodeJS.ProcessEnv;
  /** Once the template's server stopped: makes the template copyable (SQLite: folds the WAL in). */
  settle(): Promise<void>;
  get<T>(sql: string, ...params: unknown[]): Promise<T | undefined>;
  seed(o: SeedOptions): Promise<SeedResult>;
  pendingDeviceCode(applicationId: number): Promise<string>;
  sizeMb(): Promise<number>;
}

export function sqliteStore(dir: string, stored: number): FixtureStore {
  const template = join(dir, `template-${stored}.sqlite`);
  return {
    template, env: benchEnv(template),
    settle: async () => checkpoint(template),
    get: async <T>(sql: string, ...params: unknown[]) => query<T>(template, sql, ...params),
    seed: async (o) => seed(template, o),
    pendingDeviceCode: async (id) => pendingDeviceCode(template, id),
    sizeMb: async () => statSync(template).size / 2 ** 20,
  };
}

export interface FixtureOptions { stored: number; accessPool: number; refreshPool: number; minted: number; clients: number; /** JWT access tokens to mint for bearer scenarios (default none). */ jwtPool?: number; log: (s: string) => void }

const credentials = (printed: string) => ({ id: /client_id: (\S+)/.exec(printed)?.[1], secret: /client_secret: (\S+)/.exec(printed)?.[1] });

export async function buildFixture(dir: string, o: FixtureOptions, store: FixtureStore = sqliteStore(dir, o.stored)): Promise<Fixture> {
  const t0 = performance.now();
  const template = store.template;
  // A week-long access-token lifetime for the tokens minted here only: the JWT pool's exp must outlast a --large run.
  // The maximum goes up with it (a default above its maximum does not load).
  const env = { ...store.env, ACCESS_TOKEN_TTL: String(7 * 24 * 3600), ACCESS_TOKEN_MAX_LIFETIME: String(7 * 24 * 3600) };
  // The first start migrates the new file and creates user admin (ADMIN_PASSWORD); the client is registered through
  // the CLI meanwhile (SQLite in WAL mode takes the second writer; PostgreSQL any number), then real tokens come from the password grant.
  const server = await start('gatehouse', env, { pin: false });
  const created = cli(env, 'createclient', '--name', 'Bench', '--owner', 'admin', '--grant-types', 'client-credentials,password,authorization-code,urn:ietf:params:oauth:grant-type:device_code',
    '--redirect-uris', 'https://bench.local/cb', '--scopes', 'openid,read,write,admin');
  const createdJwt = cli(env, 'createclient', '--name', 'Bench JWT', '--owner', 'admin', '--grant-types', 'client-credentials', '--scopes', 'read', '--access-token-format', 'jwt');
  const { id: clientId, secret: clientSecret } = credentials(created);
  const { id: jwtClientId, secret: jwtClientSecret } = credentials(createdJwt);
  if (!clientId || !clientSecret || !jwtClientId || !jwtClientSecret) { await stop(server); throw new Error(`createclient printed no credentials: ${created} ${createdJwt}`); }
  const auth = basic({ clientId, clientSecret });

  // Real tokens from the password grant (scrypt makes it slow: single digits per second on one core).
  const grant = async (scope: string) => {
    const r = await fetch(`${server.url}/o/token/`, { method: 'POST', headers: { ...form, authorization: auth }, signal: AbortSignal.timeout(30_000),
      body: new URLSearchParams({ grant_type: 'password', username: 'admin', password: ADMIN_PASSWORD, scope }) });
    const j = await r.json() as { access_token?: string; refresh_token?: string };
    if (r.status !== 200 || !j.access_token || !j.refresh_token) throw new Error(`password grant failed: ${r.status} ${JSON.stringify(j)}`);
    return { access: j.access_token, refresh: j.refresh_token };
  };
  // JWT access tokens from client_credentials (no scrypt: fast), each signed by the server's current ES256 key.
  const jwtGrant = async () => {
    const r = await fetch(`${server.url}/o/token/`, { method: 'POST', headers: { ...form, authorization: basic({ clientId: jwtClientId, clientSecret: jwtClientSecret }) }, signal: AbortSignal.timeout(30_000),
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'read' }) });
    const j = await r.json() as { access_token?: string };
    if (r.status !== 200 || j.access_token?.split('.').length !== 3) throw new Error(`client_credentials for the JWT client failed: ${r.status} ${JSON.stringify(j)}`);
    return j.access_token;
  };
  const minted: { access: string; refresh: string }[] = [];
  const jwtAccess: string[] = [];
  let adminToken: string;
  try {
    adminToken = (await grant('admin')).access;
    const want = Math.max(1, o.minted);
    await Promise.all(Array.from({ length: 4 }, async () => { while (minted.length < want) minted.push(await grant('read')); }));
    await Promise.all(Array.from({ length: 4 }, async () => { while (jwtAccess.length < (o.jwtPool ?? 0)) jwtAccess.push(await jwtGrant()); }));
  } finally { await stop(server); }
  minted.length = Math.max(1, o.minted);
  await store.settle();

  // The server's own lookup key (ordered tokens: time prefix, then part of the SHA-256).
  const id = async (table: string, hash: string) => (await store.get<{ id: number }>(`select id from ${table} where token_hash = ?`, hash))?.id;
  const accessTokenId = await id('access_tokens', hashToken(minted[0].access));
  const refreshTokenId = await id('refresh_tokens', hashToken(minted[0].refresh));
  const applicationId = (await store.get<{ id: number }>('select id from applications where client_id = ?', clientId))?.id;
  if (!accessTokenId || !refreshTokenId || !applicationId) throw new Error('fixture: could not find the rows the password grant wrote');
  const seeded = await store.seed({
    stored: o.stored, accessPool: Math.max(0, o.accessPool - minted.length), refreshPool: Math.max(0, o.refreshPool - minted.length), clients: o.clients,
    templates: { accessTokenId, refreshTokenId, applicationId },
  });
  const deviceCode = await store.pendingDeviceCode(applicationId);
  const fx: Fixture = {
    stored: o.stored, template, clientId, clientSecret, jwtClientId, jwtClientSecret, jwtAccess, adminToken, deviceCode,
    access: [...minted.map((m) => m.access), ...seeded.access], refresh: [...minted.map((m) => m.refresh), ...seeded.refresh], minted: minted.length,
    seeded, sizeMb: await store.sizeMb(), buildMs: performance.now() - t0,
  };
  o.log(`fixture ${o.stored}: ${seeded.accessRows} access + ${seeded.refreshRows} refresh rows, ${seeded.clients} clients, ${fx.sizeMb.toFixed(0)} MB; seeding ${Math.round(seeded.ms)} ms, total ${Math.round(fx.buildMs)} ms`);
  return fx;
}

/**
 * A fresh copy of the template for one server start, written to disk before the server opens it: a database that
 * exists is on disk, while a copy just made is hundreds of MB of dirty page cache at 1M tokens, and the server's
 * first checkpoint fsync would pay for writing all of it back (at 1M that stalled refresh and token issuance).
 */
export function freshCopy(fx: Fixture, file: string): string {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
  copyFileSync(fx.template, file);
  const fd = openSync(file, 'r+');
  try { fsyncSync(fd); } finally { closeSync(fd); }
  return file;
}
