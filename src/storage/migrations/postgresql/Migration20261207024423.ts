import { Migration } from '@mikro-orm/migrations';

export class Migration20261207024423 extends Migration {

  override name = 'Migration20261207024423';

  override up(): void | Promise<void> {
    this.addSql(`alter table "events" alter column "client_id" type varchar(255) using ("client_id"::varchar(255));`);

    this.addSql(`alter table "oauth1_nonces" alter column "consumer_key" type varchar(255) using ("consumer_key"::varchar(255));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "events" alter column "client_id" type varchar(100) using ("client_id"::varchar(100));`);

    this.addSql(`alter table "oauth1_nonces" alter column "consumer_key" type varchar(100) using ("consumer_key"::varchar(100));`);
  }

}
