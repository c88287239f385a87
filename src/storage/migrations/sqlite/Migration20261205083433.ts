import { Migration } from '@mikro-orm/migrations';

export class Migration20261205083433 extends Migration {

  override name = 'Migration20261205083433';

  override up(): void | Promise<void> {
    this.addSql(`alter table \`users\` add column \`profile\` text null;`);
    this.addSql(`alter table \`users\` add column \`email_verified\` integer not null default false;`);
    this.addSql(`alter table \`users\` add column \`updated_at\` bigint null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table \`users\` drop column \`profile\`;`);
    this.addSql(`alter table \`users\` drop column \`email_verified\`;`);
    this.addSql(`alter table \`users\` drop column \`updated_at\`;`);
  }

}
