import { Migration } from '@mikro-orm/migrations';

export class Migration20261205131221 extends Migration {

  override name = 'Migration20261205131221';

  override up(): void | Promise<void> {
    this.addSql(`create table \`initial_access_tokens\` (\`id\` integer not null primary key autoincrement, \`token_hash\` text not null, \`single_use\` integer not null default true, \`expires_at\` bigint null, \`created_by_id\` integer null, \`created_at\` bigint not null, constraint \`initial_access_tokens_created_by_id_foreign\` foreign key (\`created_by_id\`) references \`users\` (\`id\`) on delete set null);`);
    this.addSql(`create unique index \`initial_access_tokens_token_hash_unique\` on \`initial_access_tokens\` (\`token_hash\`);`);
    this.addSql(`create index \`initial_access_tokens_created_by_id_index\` on \`initial_access_tokens\` (\`created_by_id\`);`);

    this.addSql(`alter table \`applications\` add column \`registered\` text not null default 'owner';`);
    this.addSql(`alter table \`applications\` add column \`registration_token_hash\` text null;`);
    this.addSql(`create unique index \`applications_registration_token_hash_unique\` on \`applications\` (\`registration_token_hash\`);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists \`initial_access_tokens\`;`);

    this.addSql(`drop index \`applications_registration_token_hash_unique\`;`);
    this.addSql(`alter table \`applications\` drop column \`registered\`;`);
    this.addSql(`alter table \`applications\` drop column \`registration_token_hash\`;`);
  }

}
