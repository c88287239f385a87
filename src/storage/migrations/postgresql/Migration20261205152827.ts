import { Migration } from '@mikro-orm/migrations';

export class Migration20261205152827 extends Migration {

  override name = 'Migration20261205152827';

  override up(): void | Promise<void> {
    this.addSql(`alter table "initial_access_tokens" add "uses" int not null default 0, add "last_used_at" bigint null;`);

    this.addSql(`alter table "applications" add "application_type" varchar(10) not null default 'web', add "metadata_expires_at" bigint null;`);
    this.addSql(`alter table "applications" alter column "client_id" type varchar(255) using ("client_id"::varchar(255));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "applications" drop column "application_type", drop column "metadata_expires_at";`);
    this.addSql(`alter table "applications" alter column "client_id" type varchar(100) using ("client_id"::varchar(100));`);

    this.addSql(`alter table "initial_access_tokens" drop column "uses", drop column "last_used_at";`);
  }

}
