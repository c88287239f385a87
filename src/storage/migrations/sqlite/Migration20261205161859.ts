import { Migration } from '@mikro-orm/migrations';

export class Migration20261205161859 extends Migration {

  override name = 'Migration20261205161859';

  override up(): void | Promise<void> {
    this.addSql(`create table \`resource_servers\` (\`id\` integer not null primary key autoincrement, \`identifier\` text not null, \`name\` text not null, \`scopes\` text not null default '', \`access_token_format\` text not null default 'opaque', \`access_token_ttl\` integer null, \`created_at\` bigint not null, \`updated_at\` bigint not null);`);
    this.addSql(`create unique index \`resource_servers_identifier_unique\` on \`resource_servers\` (\`identifier\`);`);

    this.addSql(`alter table \`refresh_tokens\` add column \`resource\` text not null default '';`);

    this.addSql(`alter table \`authorization_codes\` add column \`resource\` text not null default '';`);

    this.addSql(`alter table \`access_tokens\` add column \`resource\` text not null default '';`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists \`resource_servers\`;`);

    this.addSql(`alter table \`access_tokens\` drop column \`resource\`;`);

    this.addSql(`alter table \`authorization_codes\` drop column \`resource\`;`);

    this.addSql(`alter table \`refresh_tokens\` drop column \`resource\`;`);
  }

}
