import { Migration } from '@mikro-orm/migrations';

export class Migration20261205160441 extends Migration {

  override name = 'Migration20261205160441';

  override up(): void | Promise<void> {
    this.addSql(`create table \`pushed_requests\` (\`request_hash\` text not null primary key, \`client_id\` text not null, \`params\` text not null, \`created_at\` bigint not null, \`expires_at\` bigint not null);`);
    this.addSql(`create index \`pushed_requests_expires_at_index\` on \`pushed_requests\` (\`expires_at\`);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists \`pushed_requests\`;`);
  }

}
