import { Migration } from '@mikro-orm/migrations';

export class Migration20261123044540 extends Migration {

  override name = 'Migration20261123044540';

  override up(): void | Promise<void> {
    this.addSql(`create table \`rate_limits\` (\`bucket\` text not null primary key, \`hits\` integer not null, \`reset_at\` bigint not null);`);
    this.addSql(`create index \`rate_limits_reset_at_index\` on \`rate_limits\` (\`reset_at\`);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists \`rate_limits\`;`);
  }

}
