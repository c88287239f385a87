import { Migration } from '@mikro-orm/migrations';

export class Migration20261205162721 extends Migration {

  override name = 'Migration20261205162721';

  override up(): void | Promise<void> {
    this.addSql(`create table \`device_codes\` (\`id\` integer not null primary key autoincrement, \`device_code_hash\` text not null, \`user_code_hash\` text not null, \`application_id\` integer not null, \`scope\` text not null, \`status\` text not null default 'pending', \`user_id\` integer null, \`grant_id\` integer null, \`auth_time\` bigint null, \`amr\` text not null default '', \`poll_interval\` integer not null, \`last_polled_at\` bigint null, \`expires_at\` bigint not null, \`created_at\` bigint not null, constraint \`device_codes_application_id_foreign\` foreign key (\`application_id\`) references \`applications\` (\`id\`) on delete cascade, constraint \`device_codes_user_id_foreign\` foreign key (\`user_id\`) references \`users\` (\`id\`) on delete cascade, constraint \`device_codes_grant_id_foreign\` foreign key (\`grant_id\`) references \`grants\` (\`id\`) on delete cascade);`);
    this.addSql(`create unique index \`device_codes_device_code_hash_unique\` on \`device_codes\` (\`device_code_hash\`);`);
    this.addSql(`create unique index \`device_codes_user_code_hash_unique\` on \`device_codes\` (\`user_code_hash\`);`);
    this.addSql(`create index \`device_codes_application_id_index\` on \`device_codes\` (\`application_id\`);`);
    this.addSql(`create index \`device_codes_user_id_index\` on \`device_codes\` (\`user_id\`);`);
    this.addSql(`create index \`device_codes_grant_id_index\` on \`device_codes\` (\`grant_id\`);`);
    this.addSql(`create index \`device_codes_expires_at_index\` on \`device_codes\` (\`expires_at\`);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists \`device_codes\`;`);
  }

}
