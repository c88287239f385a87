import { MikroORM as SqliteORM, SqliteDriver, type Options } from '@mikro-orm/sqlite';
import type { MikroORM, MigrationObject } from '@mikro-orm/core';
import type { GatehouseConfig } from '../config.ts';
import { entities } from './entities.ts';
import { sqliteMigrations } from './migrations/sqlite/index.ts';
import { pgTimeouts } from './pg-timeouts.ts';

export type Orm = MikroORM;
export type Dialect = 'sqlite' | 'postgresql';

export const dialectOf = (config: Pick<GatehouseConfig, 'database'>): Dialect => (config.database.url ? 'postgresql' : 'sqlite');

/** Options shared by the server, the CLI and mikro-orm.config.ts; `driver` is filled in per dialect. */
function commonOptions(dialect: Dialect, migrationsList: MigrationObject[]): Options {
  return {
    entities,
    // The Migrator (and its dependencies) loads only when a migration is pending or asked for: see withMigrator.
    // Entities are defined with defineEntity, so there is nothing to discover or cache on disk.
    discovery: { warnWhenNoEntities: false },
    metadataCache: { enabled: false },
    // One migration set per dialect, each generated from the same entities and committed.
    migrations: {
      tableName: 'mikro_orm_migrations',
      path: `src/storage/migrations/${dialect}`,
      snapshotName: '.snapshot-gatehouse',
      // The snapshot is written by `gatehouse makemigrations` alone: after a migration run MikroORM would rewrite it
      // whenever the migrated database differs (a file holding other tables), into the source tree of the cwd.
      snapshotOnMigrate: false,
      migrationsList,
      transactional: true,
      silent: true,
      allOrNothing: true,
    },
    debug: false,
    allowGlobalContext: false,
  } as Options;
}

/** SQLite options (sync: mikro-orm.config.ts needs them without awaiting). */
export function ormOptions(config: Pick<GatehouseConfig, 'database'>): Options {
  return { ...commonOptions('sqlite', sqliteMigrations), driver: SqliteDriver, dbName: config.database.file } as Options;
}

/** PostgreSQL options; the driver and its migrations load only when DATABASE_URL asks for them. */
export async function postgresOptions(config: Pick<GatehouseConfig, 'database'>, opts: { bounded?: boolean } = {}): Promise<Options> {
  const [{ PostgreSqlDriver }, { postgresqlMigrations }, driverOptions] = await Promise.all([
    import('@mikro-orm/postgresql'), import('./migrations/postgresql/index.ts'), pgTimeouts(config.database, opts.bounded !== false),
  ]);
  return {
    ...commonOptions('postgresql', postgresqlMigrations),
    driver: PostgreSqlDriver,
    clientUrl: config.database.url,
    pool: { min: 0, max: config.database.poolSize },
    // Every wait on the database is bounded, and ends in 503 (see pg-timeouts.ts).
    driverOptions,
  } as unknown as Options;
}

/**
 * Opens the database and applies pending migrations; the schema is never synced at runtime.
 * `migrate: false`: the caller runs the Migrator itself (the migrate and makemigrations commands), so on
 * PostgreSQL its statements have no time bound (see pg-timeouts.ts), unless `bounded` (a reader such as check --deploy).
 */
export async function initStorage(config: GatehouseConfig, opts: { migrate?: boolean; bounded?: boolean } = {}): Promise<Orm> {
  const dialect = dialectOf(config);
  const orm = await open(config, opts.bounded ?? opts.migrate !== false);
  if (opts.migrate === false) await withMigrator(orm);
  else if (await hasPending(orm, dialect)) {
    if (dialect !== 'postgresql') await migrate(await withMigrator(orm), dialect);
    else {
      // Migrations run on a pool of their own, without the statement bounds requests have.
      const migrating = await open(config, false);
      try { await migrate(await withMigrator(migrating), dialect); } finally { await migrating.close(true); }
    }
  }
  return orm;
}

async function open(config: GatehouseConfig, bounded: boolean): Promise<Orm> {
  let orm: Orm;
  if (dialectOf(config) === 'postgresql') {
    const { MikroORM: PgORM } = await import('@mikro-orm/postgresql');
    orm = (await PgORM.init(await postgresOptions(config, { bounded }) as never)) as unknown as Orm;
  } else {
    orm = (await SqliteORM.init(ormOptions(config))) as unknown as Orm;
    const native = await (orm.em.getConnection() as unknown as { getNativeClient(): Promise<NativeSqlite> }).getNativeClient();
    // WAL lets readers run beside the writer; NORMAL stays durable across process crashes in WAL mode.
    native.pragma('busy_timeout = 5000');
    if (config.database.file !== ':memory:') {
      native.pragma(`page_size = ${PAGE_SIZE}`);
      native.pragma('journal_mode = WAL');
      native.pragma('synchronous = NORMAL');
      // SQLite's own checkpoint, inside the commit that crosses 1,000 WAL pages. Tokens' keys append to their index
      // (see oauth2/tokens.ts), so a checkpoint copies few distinct pages: a worker thread doing it instead cost
      // ~14 MB of resident memory for no measurable throughput (client_credentials 17,570 vs 17,864 req/s, within
      // the run-to-run spread). After a checkpoint the WAL file is cut back to 64 MB at most.
      native.pragma('wal_autocheckpoint = 1000');
      native.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
    }
  }
  return orm;
}

interface NativeSqlite { pragma(sql: string): unknown }

/**
 * Page size of a new database file (an existing file keeps its own; SQLite fixes it when the first table is made).
 * A refresh dirties pages at scattered places (the spent token's row, the user and grant indexes of both token
 * tables), and a commit writes every dirty page whole to the WAL, later again to the file: 2 KiB pages halve those
 * bytes. Measured on the bench fixture, 50 rotations a commit: 131 -> 76 µs CPU a rotation (1 KiB alike, 8 KiB as
 * 4 KiB).
 */
const PAGE_SIZE = 2048;

/** The ORM with its Migrator registered (loaded on first use: an up-to-date database never pays for it). */
export async function withMigrator(orm: Orm): Promise<Orm> {
  if (!withMigratorDone.has(orm)) {
    const { Migrator } = await import('@mikro-orm/migrations');
    Migrator.register(orm as never);
    withMigratorDone.add(orm);
  }
  return orm;
}
const withMigratorDone = new WeakSet<Orm>();

/** Whether the dialect's migration list names one the database has not recorded (or has no record at all). */
async function hasPending(orm: Orm, dialect: Dialect): Promise<boolean> {
  return (await pendingMigrations(orm, dialect)).length > 0;
}

/** The names of the dialect's migrations the database has not recorded (all of them when it has no record at all). */
export async function pendingMigrations(orm: Orm, dialect: Dialect): Promise<string[]> {
  const list = dialect === 'postgresql' ? (await import('./migrations/postgresql/index.ts')).postgresqlMigrations : sqliteMigrations;
  try {
    const rows: { name: string }[] = await orm.em.getConnection().execute('select name from mikro_orm_migrations');
    const done = new Set(rows.map((r) => r.name.replace(/\.[jt]s$/, '')));
    return list.filter((m) => !done.has(m.name)).map((m) => m.name);
  } catch {
    return list.map((m) => m.name);
  }
}

// Any fixed number: instances starting together take turns at migrating (the second finds nothing to do).
const MIGRATION_LOCK = 7_364_211;

async function migrate(orm: Orm, dialect: Dialect) {
  if (dialect !== 'postgresql') { await orm.migrator.up(); return; }
  const pool = await (orm.em.getConnection() as unknown as { getNativeClient(): Promise<{ connect(): Promise<PgLockClient> }> }).getNativeClient();
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await orm.migrator.up();
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
    client.release();
  }
}

interface PgLockClient { query(sql: string, params: unknown[]): Promise<unknown>; release(): void }
