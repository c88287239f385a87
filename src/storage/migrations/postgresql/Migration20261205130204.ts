import { Migration } from '@mikro-orm/migrations';

export class Migration20261205130204 extends Migration {

  override name = 'Migration20261205130204';

  override up(): void | Promise<void> {
    this.addSql(`alter table "applications" add "userinfo_signed_response_alg" varchar(10) null, add "subject_type" varchar(10) not null default 'public', add "sector_identifier_uri" text null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "applications" drop column "userinfo_signed_response_alg", drop column "subject_type", drop column "sector_identifier_uri";`);
  }

}
