import { Migration } from '@mikro-orm/migrations';

export class Migration20261205160443 extends Migration {

  override name = 'Migration20261205160443';

  override up(): void | Promise<void> {
    this.addSql(`create table "pushed_requests" ("request_hash" varchar(64) not null, "client_id" varchar(255) not null, "params" text not null, "created_at" bigint not null, "expires_at" bigint not null, primary key ("request_hash"));`);
    this.addSql(`create index "pushed_requests_expires_at_index" on "pushed_requests" ("expires_at");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "pushed_requests" cascade;`);
  }

}
