import { Migration } from '@mikro-orm/migrations';

export class Migration20261205131224 extends Migration {

  override name = 'Migration20261205131224';

  override up(): void | Promise<void> {
    this.addSql(`create table "initial_access_tokens" ("id" serial primary key, "token_hash" varchar(64) not null, "single_use" boolean not null default true, "expires_at" bigint null, "created_by_id" int null, "created_at" bigint not null);`);
    this.addSql(`alter table "initial_access_tokens" add constraint "initial_access_tokens_token_hash_unique" unique ("token_hash");`);

    this.addSql(`alter table "applications" add "registered" varchar(10) not null default 'owner', add "registration_token_hash" varchar(64) null;`);
    this.addSql(`alter table "applications" add constraint "applications_registration_token_hash_unique" unique ("registration_token_hash");`);

    this.addSql(`alter table "initial_access_tokens" add constraint "initial_access_tokens_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id") on delete set null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "initial_access_tokens" cascade;`);

    this.addSql(`alter table "applications" drop constraint "applications_registration_token_hash_unique";`);
    this.addSql(`alter table "applications" drop column "registered", drop column "registration_token_hash";`);
  }

}
