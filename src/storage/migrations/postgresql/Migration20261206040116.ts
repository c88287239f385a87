import { Migration } from '@mikro-orm/migrations';

export class Migration20261206040116 extends Migration {

  override name = 'Migration20261206040116';

  override up(): void | Promise<void> {
    this.addSql(`alter table "grants" add "consented_origins" text null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "grants" drop column "consented_origins";`);
  }

}
