import { Migration } from '@mikro-orm/migrations';

export class Migration20261205171656 extends Migration {

  override name = 'Migration20261205171656';

  override up(): void | Promise<void> {
    this.addSql(`create table "pushed_requests" ("request_hash" varchar(64) not null, "client_id" varchar(255) not null, "params" text not null, "created_at" bigint not null, "expires_at" bigint not null, primary key ("request_hash"));`);
    this.addSql(`create index "pushed_requests_expires_at_index" on "pushed_requests" ("expires_at");`);

    this.addSql(`alter table "applications" add "jwks" text null, add "request_object_signing_alg" varchar(10) null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "pushed_requests" cascade;`);

    this.addSql(`alter table "applications" drop column "jwks", drop column "request_object_signing_alg";`);
  }

}
