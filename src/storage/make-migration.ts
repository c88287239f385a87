import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { GatehouseConfig } from '../config.ts';
import { dialectOf, initStorage } from './orm.ts';
import { withScratchDatabase } from './pg-admin.ts';

/**
 * Development helper: diff entities against the dialect's last snapshot, write a migration and list it in that
 * dialect's index.ts. SQLite diffs in memory; PostgreSQL (DATABASE_URL set) in a scratch database it drops after.
 */
export async function makeMigration(config: GatehouseConfig): Promise<string | null> {
  const dialect = dialectOf(config);
  const create = async (database: GatehouseConfig['database']) => {
    const orm = await initStorage({ ...config, database }, { migrate: false });
    try {
      await orm.migrator.up();
      const result = await orm.migrator.create();
      return result.fileName || null;
    } finally {
      await orm.close(true);
    }
  };
  const fileName = dialect === 'postgresql'
    ? await withScratchDatabase(config.database.url!, (url) => create({ ...config.database, url }))
    : await create({ ...config.database, file: ':memory:' });
  if (!fileName) return null;
  const name = fileName.replace(/\.ts$/, '');
  const index = fileURLToPath(new URL(`./migrations/${dialect}/index.ts`, import.meta.url));
  const src = readFileSync(index, 'utf8');
  const withImport = /^import \{ Migration/m.test(src)
    ? src.replace(/(import \{ Migration[^\n]+\n)(?!import \{ Migration)/, `$1import { ${name} } from './${name}.ts';\n`)
    : src.replace(/(import type [^\n]+\n)/, `$1import { ${name} } from './${name}.ts';\n`);
  writeFileSync(index, withImport.replace(/\n\];/, `\n  { name: '${name}', class: ${name} },\n];`));
  return fileName;
}
