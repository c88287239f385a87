// Used by the MikroORM CLI and by scripts/create-migration.ts; the server builds the same options in src/storage/orm.ts.
import { loadConfig } from './src/config.ts';
import { ormOptions } from './src/storage/orm.ts';

export default ormOptions(loadConfig());
