import { Migration } from '@mikro-orm/migrations';

export class Migration20261205161252 extends Migration {

  override name = 'Migration20261205161252';

  override up(): void | Promise<void> {
    this.addSql(`alter table "applications" add "jwks" text null, add "request_object_signing_alg" varchar(10) null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "applications" drop column "jwks", drop column "request_object_signing_alg";`);
  }

}
