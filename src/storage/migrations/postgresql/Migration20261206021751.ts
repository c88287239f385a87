import { Migration } from '@mikro-orm/migrations';

export class Migration20261206021751 extends Migration {

  override name = 'Migration20261206021751';

  override up(): void | Promise<void> {
    this.addSql(`alter table "users" add "initial_password" boolean not null default false;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "users" drop column "initial_password";`);
  }

}
