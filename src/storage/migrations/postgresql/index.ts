import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261123044540 } from './Migration20261123044540.ts';

// Listed explicitly (not globbed), like the SQLite set; `makemigrations` with DATABASE_URL set appends here.
export const postgresqlMigrations: MigrationObject[] = [
  { name: 'Migration20261123044540', class: Migration20261123044540 },
];
