import { Migration } from '@mikro-orm/migrations';

export class Migration20261205161903 extends Migration {

  override name = 'Migration20261205161903';

  override up(): void | Promise<void> {
    this.addSql(`create table "resource_servers" ("id" serial primary key, "identifier" varchar(2048) not null, "name" varchar(200) not null, "scopes" text not null default '', "access_token_format" varchar(10) not null default 'opaque', "access_token_ttl" int null, "created_at" bigint not null, "updated_at" bigint not null);`);
    this.addSql(`alter table "resource_servers" add constraint "resource_servers_identifier_unique" unique ("identifier");`);

    this.addSql(`alter table "refresh_tokens" add "resource" text not null default '';`);

    this.addSql(`alter table "authorization_codes" add "resource" text not null default '';`);

    this.addSql(`alter table "access_tokens" add "resource" text not null default '';`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "resource_servers" cascade;`);

    this.addSql(`alter table "access_tokens" drop column "resource";`);

    this.addSql(`alter table "authorization_codes" drop column "resource";`);

    this.addSql(`alter table "refresh_tokens" drop column "resource";`);
  }

}
