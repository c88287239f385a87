import { Migration } from '@mikro-orm/migrations';

export class Migration20261205125723 extends Migration {

  override name = 'Migration20261205125723';

  override up(): void | Promise<void> {
    this.addSql(`create table "login_sessions" ("sid" varchar(64) not null, "user_id" int not null, "client_ids" text not null default '[]', "created_at" bigint not null, "expires_at" bigint not null, primary key ("sid"));`);
    this.addSql(`create index "login_sessions_user_id_index" on "login_sessions" ("user_id");`);
    this.addSql(`create index "login_sessions_expires_at_index" on "login_sessions" ("expires_at");`);

    this.addSql(`alter table "users" add "sessions_ended_at" bigint null;`);

    this.addSql(`alter table "applications" add "frontchannel_logout_uri" text null, add "frontchannel_logout_session_required" boolean not null default false;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "login_sessions" cascade;`);

    this.addSql(`alter table "applications" drop column "frontchannel_logout_uri", drop column "frontchannel_logout_session_required";`);

    this.addSql(`alter table "users" drop column "sessions_ended_at";`);
  }

}
