import { Migration } from '@mikro-orm/migrations';

export class Migration20261205162725 extends Migration {

  override name = 'Migration20261205162725';

  override up(): void | Promise<void> {
    this.addSql(`create table "device_codes" ("id" serial primary key, "device_code_hash" varchar(64) not null, "user_code_hash" varchar(64) not null, "application_id" int not null, "scope" text not null, "status" varchar(10) not null default 'pending', "user_id" int null, "grant_id" int null, "auth_time" bigint null, "amr" varchar(100) not null default '', "poll_interval" int not null, "last_polled_at" bigint null, "expires_at" bigint not null, "created_at" bigint not null);`);
    this.addSql(`alter table "device_codes" add constraint "device_codes_device_code_hash_unique" unique ("device_code_hash");`);
    this.addSql(`alter table "device_codes" add constraint "device_codes_user_code_hash_unique" unique ("user_code_hash");`);
    this.addSql(`create index "device_codes_application_id_index" on "device_codes" ("application_id");`);
    this.addSql(`create index "device_codes_expires_at_index" on "device_codes" ("expires_at");`);

    this.addSql(`alter table "device_codes" add constraint "device_codes_application_id_foreign" foreign key ("application_id") references "applications" ("id") on delete cascade;`);
    this.addSql(`alter table "device_codes" add constraint "device_codes_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`);
    this.addSql(`alter table "device_codes" add constraint "device_codes_grant_id_foreign" foreign key ("grant_id") references "grants" ("id") on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "device_codes" cascade;`);
  }

}
