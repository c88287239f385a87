import { Migration } from '@mikro-orm/migrations';

export class Migration20261206021750 extends Migration {

  override name = 'Migration20261206021750';

  override up(): void | Promise<void> {
    this.addSql(`alter table \`users\` add column \`initial_password\` integer not null default false;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table \`users\` drop column \`initial_password\`;`);
  }

}
