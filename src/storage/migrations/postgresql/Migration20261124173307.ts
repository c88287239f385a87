import { Migration } from '@mikro-orm/migrations';

export class Migration20261124173307 extends Migration {

  override name = 'Migration20261124173307';

  override up(): void | Promise<void> {
    this.addSql(`drop index "refresh_tokens_family_id_index";`);

    this.addSql(`drop index "access_tokens_family_id_index";`);
  }

  override down(): void | Promise<void> {
    this.addSql(`create index "access_tokens_family_id_index" on "access_tokens" ("family_id") where family_id is not null;`);

    this.addSql(`create index "refresh_tokens_family_id_index" on "refresh_tokens" ("family_id");`);
  }

}
