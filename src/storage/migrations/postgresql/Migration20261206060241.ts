import { Migration } from '@mikro-orm/migrations';
import { refuseUsernameCaseVariants } from '../username-case.ts';

export class Migration20261206060241 extends Migration {

  override name = 'Migration20261206060241';

  override async up(): Promise<void> {
    await refuseUsernameCaseVariants((sql) => this.execute(sql));
    this.addSql(`create unique index users_username_lower_unique on users (lower(username));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "users_username_lower_unique";`);
  }

}
