import { MikroORM as SqliteORM, defineConfig, type Options } from '@mikro-orm/sqlite';
import type { MikroORM } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import type { GatehouseConfig } from '../config.ts';
import { entities } from './entities.ts';
import { sqliteMigrations } from './migrations/sqlite/index.ts';

export type Orm = MikroORM;

/** Options shared by the server, the CLI and mikro-orm.config.ts. */
export function ormOptions(config: Pick<GatehouseConfig, 'database'>): Options {
  return defineConfig({
    entities,
    dbName: config.database.file,
    extensions: [Migrator],
    // Entities are defined with defineEntity, so there is nothing to discover or cache on disk.
    discovery: { warnWhenNoEntities: false },
    metadataCache: { enabled: false },
    migrations: {
      tableName: 'mikro_orm_migrations',
      path: 'src/storage/migrations/sqlite',
      snapshotName: '.snapshot-gatehouse',
      migrationsList: sqliteMigrations,
      transactional: true,
      silent: true,
      allOrNothing: true,
    },
    debug: false,
    allowGlobalContext: false,
  });
}

/** Opens the database and applies pending migrations; the schema is never synced at runtime. */
export async function initStorage(config: GatehouseConfig, opts: { migrate?: boolean } = {}): Promise<Orm> {
  const orm = (await SqliteORM.init(ormOptions(config))) as unknown as Orm;
  const native = await (orm.em.getConnection() as unknown as { getNativeClient(): Promise<NativeSqlite> }).getNativeClient();
  // WAL lets readers run beside the writer; NORMAL stays durable across process crashes in WAL mode.
  if (config.database.file !== ':memory:') {
    native.pragma('journal_mode = WAL');
    native.pragma('synchronous = NORMAL');
  }
  native.pragma('busy_timeout = 5000');
  if (opts.migrate !== false) await orm.migrator.up();
  return orm;
}

interface NativeSqlite { pragma(sql: string): unknown }
