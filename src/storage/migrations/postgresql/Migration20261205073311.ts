import { Migration } from '@mikro-orm/migrations';

export class Migration20261205073311 extends Migration {

  override name = 'Migration20261205073311';

  override up(): void | Promise<void> {
    this.addSql(`alter table "authorization_codes" add "nonce" text null, add "auth_time" bigint null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "authorization_codes" drop column "nonce", drop column "auth_time";`);
  }

}
