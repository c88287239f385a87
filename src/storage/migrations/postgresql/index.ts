import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261123044540 } from './Migration20261123044540.ts';
import { Migration20261124130756 } from './Migration20261124130756.ts';
import { Migration20261124173307 } from './Migration20261124173307.ts';
import { Migration20261205072953 } from './Migration20261205072953.ts';
import { Migration20261205073311 } from './Migration20261205073311.ts';
import { Migration20261205083507 } from './Migration20261205083507.ts';
import { Migration20261205090230 } from './Migration20261205090230.ts';
import { Migration20261205091453 } from './Migration20261205091453.ts';
import { Migration20261205123324 } from './Migration20261205123324.ts';
import { Migration20261205125723 } from './Migration20261205125723.ts';
import { Migration20261205130204 } from './Migration20261205130204.ts';
import { Migration20261205131224 } from './Migration20261205131224.ts';
import { Migration20261205152827 } from './Migration20261205152827.ts';
import { Migration20261205161903 } from './Migration20261205161903.ts';
import { Migration20261205162725 } from './Migration20261205162725.ts';
import { Migration20261205171428 } from './Migration20261205171428.ts';
import { Migration20261205171656 } from './Migration20261205171656.ts';
import { Migration20261206021751 } from './Migration20261206021751.ts';
import { Migration20261206030235 } from './Migration20261206030235.ts';
import { Migration20261206030802 } from './Migration20261206030802.ts';
import { Migration20261206033139 } from './Migration20261206033139.ts';

// Listed explicitly (not globbed), like the SQLite set; `makemigrations` with DATABASE_URL set appends here.
export const postgresqlMigrations: MigrationObject[] = [
  { name: 'Migration20261123044540', class: Migration20261123044540 },
  { name: 'Migration20261124130756', class: Migration20261124130756 },
  { name: 'Migration20261124173307', class: Migration20261124173307 },
  { name: 'Migration20261205072953', class: Migration20261205072953 },
  { name: 'Migration20261205073311', class: Migration20261205073311 },
  { name: 'Migration20261205083507', class: Migration20261205083507 },
  { name: 'Migration20261205090230', class: Migration20261205090230 },
  { name: 'Migration20261205091453', class: Migration20261205091453 },
  { name: 'Migration20261205123324', class: Migration20261205123324 },
  { name: 'Migration20261205125723', class: Migration20261205125723 },
  { name: 'Migration20261205130204', class: Migration20261205130204 },
  { name: 'Migration20261205131224', class: Migration20261205131224 },
  { name: 'Migration20261205152827', class: Migration20261205152827 },
  { name: 'Migration20261205161903', class: Migration20261205161903 },
  { name: 'Migration20261205162725', class: Migration20261205162725 },
  { name: 'Migration20261205171428', class: Migration20261205171428 },
  { name: 'Migration20261205171656', class: Migration20261205171656 },
  { name: 'Migration20261206021751', class: Migration20261206021751 },
  { name: 'Migration20261206030235', class: Migration20261206030235 },
  { name: 'Migration20261206030802', class: Migration20261206030802 },
  { name: 'Migration20261206033139', class: Migration20261206033139 },
];
