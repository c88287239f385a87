import { Migration } from '@mikro-orm/migrations';

export class Migration20261206033941 extends Migration {

  override name = 'Migration20261206033941';

  override up(): void | Promise<void> {
    this.addSql(`alter table "applications" add "access_token_lifetime" int null, add "refresh_token_lifetime" int null, add "authorization_code_lifetime" int null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "applications" drop column "access_token_lifetime", drop column "refresh_token_lifetime", drop column "authorization_code_lifetime";`);
  }

}
