import { Migration } from '@mikro-orm/migrations';

export class Migration20261205152333 extends Migration {

  override name = 'Migration20261205152333';

  override up(): void | Promise<void> {
    this.addSql(`alter table \`applications\` add column \`application_type\` text not null default 'web';`);
    this.addSql(`alter table \`applications\` add column \`metadata_expires_at\` bigint null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table \`applications\` drop column \`application_type\`;`);
    this.addSql(`alter table \`applications\` drop column \`metadata_expires_at\`;`);
  }

}
