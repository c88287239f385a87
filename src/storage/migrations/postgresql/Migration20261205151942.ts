import { Migration } from '@mikro-orm/migrations';

export class Migration20261205151942 extends Migration {

  override name = 'Migration20261205151942';

  override up(): void | Promise<void> {
    this.addSql(`alter table "applications" add "metadata_expires_at" bigint null;`);
    this.addSql(`alter table "applications" alter column "client_id" type varchar(255) using ("client_id"::varchar(255));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "applications" drop column "metadata_expires_at";`);
    this.addSql(`alter table "applications" alter column "client_id" type varchar(100) using ("client_id"::varchar(100));`);
  }

}
