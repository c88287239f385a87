import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { GatehouseConfig } from '../config.ts';
import { initStorage } from './orm.ts';

/** Development helper: diff entities against the last snapshot, write a migration and list it in index.ts. */
export async function makeMigration(config: GatehouseConfig): Promise<string | null> {
  const orm = await initStorage({ ...config, database: { ...config.database, file: ':memory:' } });
  try {
    const result = await orm.migrator.create();
    if (!result.fileName) return null;
    const name = result.fileName.replace(/\.ts$/, '');
    const index = fileURLToPath(new URL('./migrations/sqlite/index.ts', import.meta.url));
    const src = readFileSync(index, 'utf8')
      .replace(/(import [^\n]+\n)(?!import )/, `$1import { ${name} } from './${name}.ts';\n`)
      .replace(/\n\];/, `\n  { name: '${name}', class: ${name} },\n];`);
    writeFileSync(index, src);
    return result.fileName;
  } finally {
    await orm.close(true);
  }
}
