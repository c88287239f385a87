import { Migration } from '@mikro-orm/migrations';

export class Migration20261205171655 extends Migration {

  override name = 'Migration20261205171655';

  override up(): void | Promise<void> {
    this.addSql(`create table \`pushed_requests\` (\`request_hash\` text not null primary key, \`client_id\` text not null, \`params\` text not null, \`created_at\` bigint not null, \`expires_at\` bigint not null);`);
    this.addSql(`create index \`pushed_requests_expires_at_index\` on \`pushed_requests\` (\`expires_at\`);`);

    this.addSql(`alter table \`applications\` add column \`jwks\` text null;`);
    this.addSql(`alter table \`applications\` add column \`request_object_signing_alg\` text null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists \`pushed_requests\`;`);

    this.addSql(`alter table \`applications\` drop column \`jwks\`;`);
    this.addSql(`alter table \`applications\` drop column \`request_object_signing_alg\`;`);
  }

}
