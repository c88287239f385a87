import { Migration } from '@mikro-orm/migrations';

export class Migration20261205152827 extends Migration {

  override name = 'Migration20261205152827';

  override up(): void | Promise<void> {
    this.addSql(`alter table \`initial_access_tokens\` add column \`uses\` integer not null default 0;`);
    this.addSql(`alter table \`initial_access_tokens\` add column \`last_used_at\` bigint null;`);

    this.addSql(`alter table \`applications\` add column \`application_type\` text not null default 'web';`);
    this.addSql(`alter table \`applications\` add column \`metadata_expires_at\` bigint null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table \`applications\` drop column \`application_type\`;`);
    this.addSql(`alter table \`applications\` drop column \`metadata_expires_at\`;`);

    this.addSql(`alter table \`initial_access_tokens\` drop column \`uses\`;`);
    this.addSql(`alter table \`initial_access_tokens\` drop column \`last_used_at\`;`);
  }

}
