import { Migration } from '@mikro-orm/migrations';

export class Migration20261205171428 extends Migration {

  override name = 'Migration20261205171428';

  override up(): void | Promise<void> {
    this.addSql(`alter table "applications" add "metadata_last_used_at" bigint null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "applications" drop column "metadata_last_used_at";`);
  }

}
