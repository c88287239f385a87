import { Migration } from '@mikro-orm/migrations';

export class Migration20261206032155 extends Migration {

  override name = 'Migration20261206032155';

  override up(): void | Promise<void> {
    this.addSql(`create table \`dpop_proofs\` (\`id\` integer not null primary key autoincrement, \`jkt\` text not null, \`jti_hash\` text not null, \`expires_at\` bigint not null);`);
    this.addSql(`create index \`dpop_proofs_expires_at_index\` on \`dpop_proofs\` (\`expires_at\`);`);
    this.addSql(`create unique index \`dpop_proofs_jkt_jti_hash_unique\` on \`dpop_proofs\` (\`jkt\`, \`jti_hash\`);`);

    this.addSql(`alter table \`applications\` add column \`dpop_bound_access_tokens\` integer not null default false;`);

    this.addSql(`alter table \`refresh_tokens\` add column \`dpop_jkt\` text null;`);

    this.addSql(`alter table \`authorization_codes\` add column \`dpop_jkt\` text null;`);

    this.addSql(`alter table \`access_tokens\` add column \`dpop_jkt\` text null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists \`dpop_proofs\`;`);

    this.addSql(`alter table \`access_tokens\` drop column \`dpop_jkt\`;`);

    this.addSql(`alter table \`applications\` drop column \`dpop_bound_access_tokens\`;`);

    this.addSql(`alter table \`authorization_codes\` drop column \`dpop_jkt\`;`);

    this.addSql(`alter table \`refresh_tokens\` drop column \`dpop_jkt\`;`);
  }

}
