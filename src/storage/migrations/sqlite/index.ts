import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261123013226 } from './Migration20261123013226.ts';
import { Migration20261123020623 } from './Migration20261123020623.ts';
import { Migration20261123044540 } from './Migration20261123044540.ts';
import { Migration20261124130748 } from './Migration20261124130748.ts';
import { Migration20261124173303 } from './Migration20261124173303.ts';
import { Migration20261205072947 } from './Migration20261205072947.ts';
import { Migration20261205073309 } from './Migration20261205073309.ts';
import { Migration20261205083506 } from './Migration20261205083506.ts';
import { Migration20261205090228 } from './Migration20261205090228.ts';
import { Migration20261205091452 } from './Migration20261205091452.ts';
import { Migration20261205123317 } from './Migration20261205123317.ts';
import { Migration20261205125721 } from './Migration20261205125721.ts';
import { Migration20261205130203 } from './Migration20261205130203.ts';
import { Migration20261205131221 } from './Migration20261205131221.ts';
import { Migration20261205152827 } from './Migration20261205152827.ts';
import { Migration20261205161859 } from './Migration20261205161859.ts';
import { Migration20261205162721 } from './Migration20261205162721.ts';
import { Migration20261205171427 } from './Migration20261205171427.ts';
import { Migration20261205171655 } from './Migration20261205171655.ts';
import { Migration20261206021750 } from './Migration20261206021750.ts';
import { Migration20261206030233 } from './Migration20261206030233.ts';
import { Migration20261206030800 } from './Migration20261206030800.ts';
import { Migration20261206032155 } from './Migration20261206032155.ts';
import { Migration20261206033938 } from './Migration20261206033938.ts';
import { Migration20261206035712 } from './Migration20261206035712.ts';
import { Migration20261206040114 } from './Migration20261206040114.ts';

// Listed explicitly (not globbed) so migrations load the same way under native type stripping and bundlers.
// `npm run gatehouse -- makemigrations` writes a new file and appends it here.
export const sqliteMigrations: MigrationObject[] = [
  { name: 'Migration20261123013226', class: Migration20261123013226 },
  { name: 'Migration20261123020623', class: Migration20261123020623 },
  { name: 'Migration20261123044540', class: Migration20261123044540 },
  { name: 'Migration20261124130748', class: Migration20261124130748 },
  { name: 'Migration20261124173303', class: Migration20261124173303 },
  { name: 'Migration20261205072947', class: Migration20261205072947 },
  { name: 'Migration20261205073309', class: Migration20261205073309 },
  { name: 'Migration20261205083506', class: Migration20261205083506 },
  { name: 'Migration20261205090228', class: Migration20261205090228 },
  { name: 'Migration20261205091452', class: Migration20261205091452 },
  { name: 'Migration20261205123317', class: Migration20261205123317 },
  { name: 'Migration20261205125721', class: Migration20261205125721 },
  { name: 'Migration20261205130203', class: Migration20261205130203 },
  { name: 'Migration20261205131221', class: Migration20261205131221 },
  { name: 'Migration20261205152827', class: Migration20261205152827 },
  { name: 'Migration20261205161859', class: Migration20261205161859 },
  { name: 'Migration20261205162721', class: Migration20261205162721 },
  { name: 'Migration20261205171427', class: Migration20261205171427 },
  { name: 'Migration20261205171655', class: Migration20261205171655 },
  { name: 'Migration20261206021750', class: Migration20261206021750 },
  { name: 'Migration20261206030233', class: Migration20261206030233 },
  { name: 'Migration20261206030800', class: Migration20261206030800 },
  { name: 'Migration20261206032155', class: Migration20261206032155 },
  { name: 'Migration20261206033938', class: Migration20261206033938 },
  { name: 'Migration20261206035712', class: Migration20261206035712 },
  { name: 'Migration20261206040114', class: Migration20261206040114 },
];
