import { Migration } from '@mikro-orm/migrations';

export class Migration20261205120113 extends Migration {

  override name = 'Migration20261205120113';

  override up(): void | Promise<void> {
    this.addSql(`alter table "applications" add "response_types" text not null default '';`);

    this.addSql(`alter table "refresh_tokens" add "auth_time" bigint null, add "sid" varchar(64) null, add "amr" varchar(100) not null default '';`);

    this.addSql(`alter table "authorization_codes" add "amr" varchar(100) not null default '';`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "applications" drop column "response_types";`);

    this.addSql(`alter table "authorization_codes" drop column "amr";`);

    this.addSql(`alter table "refresh_tokens" drop column "auth_time", drop column "sid", drop column "amr";`);
  }

}
