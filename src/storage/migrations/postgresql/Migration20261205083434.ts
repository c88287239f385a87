import { Migration } from '@mikro-orm/migrations';

export class Migration20261205083434 extends Migration {

  override name = 'Migration20261205083434';

  override up(): void | Promise<void> {
    this.addSql(`alter table "users" add "profile" text null, add "email_verified" boolean not null default false, add "updated_at" bigint null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "users" drop column "profile", drop column "email_verified", drop column "updated_at";`);
  }

}
