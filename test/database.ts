import { randomBytes } from 'node:crypto';
import { resolveConfig, type ConfigOverrides } from '../src/config.ts';
import { initStorage } from '../src/storage/orm.ts';
import { createDatabase, dropDatabase } from '../src/storage/pg-admin.ts';

/**
 * Where the suite's databases live. Unset: a fresh in-memory SQLite database per app (the default).
 * `DATABASE_URL=postgres://127.0.0.1:5432/test npm test`: a fresh PostgreSQL database per app on that server,
 * each copied from one template migrated once per run, and dropped when the app closes.
 */
export const POSTGRES_URL = process.env.DATABASE_URL || undefined;
export const dialect = POSTGRES_URL ? 'postgresql' : 'sqlite';
/** `REDIS_URL=redis://127.0.0.1:6379` as well: apps share state through Redis, each under its own key prefix. */
export const REDIS_URL = process.env.REDIS_URL || undefined;

const run = `gh_test_${process.pid}_${randomBytes(3).toString('hex')}`;
let template: Promise<string> | undefined;
let counter = 0;
const created = new Set<string>();

async function migratedTemplate(): Promise<string> {
  const name = `${run}_tpl`;
  const url = await createDatabase(POSTGRES_URL!, name);
  created.add(name);
  const orm = await initStorage(resolveConfig({ env: 'test', database: { url } }));
  await orm.close(true);
  return name;
}

export interface TestDatabase {
  database: NonNullable<ConfigOverrides['database']>;
  /** Config for the shared state: Redis under a key prefix of this database's own, when REDIS_URL is set. */
  redis: Pick<ConfigOverrides, 'redisUrl' | 'redisPrefix'>;
  /** Env for a spawned server or CLI command. */
  env: Record<string, string>;
  /** Reads rows straight from the database, beside the server (numbers as numbers on both engines). */
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  drop(): Promise<void>;
}

/**
 * A new database for one app, or for spawned processes with `sqliteFile` (SQLite needs a file to share).
 * `empty`: not even migrated (for testing `migrate` itself); otherwise migrated.
 */
export async function testDatabase(opts: { sqliteFile?: string; empty?: boolean } = {}): Promise<TestDatabase> {
  if (!POSTGRES_URL) {
    const file = opts.sqliteFile ?? ':memory:';
    return {
      database: { file }, env: { DB_FILE: file }, drop: async () => {}, redis: redisFor(),
      async query<T>(sql: string) {
        const { default: Database } = await import('better-sqlite3');
        const db = new Database(file, { readonly: true });
        try { return db.prepare(sql).all() as T[]; } finally { db.close(); }
      },
    };
  }
  const name = `${run}_${++counter}`;
  const url = await createDatabase(POSTGRES_URL, name, opts.empty ? undefined : await (template ??= migratedTemplate()));
  created.add(name);
  return {
    database: { url }, env: { DATABASE_URL: url }, redis: redisFor(),
    drop: async () => { created.delete(name); await dropDatabase(POSTGRES_URL, name); },
    async query<T>(sql: string) {
      const { default: pg } = await import('pg');
      const types = new pg.TypeOverrides();
      types.setTypeParser(20, Number);
      const client = new pg.Client({ connectionString: url, types });
      await client.connect();
      try { return (await client.query(sql)).rows as T[]; } finally { await client.end(); }
    },
  };
}

function redisFor(): TestDatabase['redis'] {
  return REDIS_URL ? { redisUrl: REDIS_URL, redisPrefix: `${run}_${++counter}:` } : {};
}

/** Root hook (see .mocharc.json): drops whatever this run created, the template last. */
export const mochaHooks = {
  async afterAll() {
    if (REDIS_URL) {
      const { Redis } = await import('ioredis');
      const redis = new Redis(REDIS_URL, { lazyConnect: true });
      await redis.connect();
      for (const pattern of [`${run}_*`, 'gh_multi_*']) {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
          if (keys.length) await redis.del(...keys);
          cursor = next;
        } while (cursor !== '0');
      }
      redis.disconnect();
    }
    if (!POSTGRES_URL) return;
    for (const name of [...created].sort().reverse()) await dropDatabase(POSTGRES_URL, name).catch(() => {});
  },
};
