import { Migration } from '@mikro-orm/migrations';

export class Migration20261205091453 extends Migration {

  override name = 'Migration20261205091453';

  override up(): void | Promise<void> {
    this.addSql(`alter table "applications" add "access_token_format" varchar(10) not null default 'opaque', add "id_token_signed_response_alg" varchar(10) not null default 'RS256';`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "applications" drop column "access_token_format", drop column "id_token_signed_response_alg";`);
  }

}
