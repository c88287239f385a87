import { Migration } from '@mikro-orm/migrations';

export class Migration20261206030802 extends Migration {

  override name = 'Migration20261206030802';

  override up(): void | Promise<void> {
    this.addSql(`alter table "applications" add "token_exchange" text null;`);

    this.addSql(`alter table "access_tokens" add "act" text null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "access_tokens" drop column "act";`);

    this.addSql(`alter table "applications" drop column "token_exchange";`);
  }

}
