import { Migration } from '@mikro-orm/migrations';

export class Migration20261123020623 extends Migration {

  override name = 'Migration20261123020623';

  override up(): void | Promise<void> {
    this.addSql(`create table \`oauth1_nonces\` (\`id\` integer not null primary key autoincrement, \`consumer_key\` text not null, \`token\` text not null, \`timestamp\` bigint not null, \`nonce\` text not null, \`expires_at\` bigint not null);`);
    this.addSql(`create index \`oauth1_nonces_expires_at_index\` on \`oauth1_nonces\` (\`expires_at\`);`);
    this.addSql(`create unique index \`oauth1_nonces_consumer_key_token_timestamp_nonce_unique\` on \`oauth1_nonces\` (\`consumer_key\`, \`token\`, \`timestamp\`, \`nonce\`);`);

    this.addSql(`create table \`oauth1_tokens\` (\`id\` integer not null primary key autoincrement, \`token_hash\` text not null, \`kind\` text not null, \`application_id\` integer not null, \`user_id\` integer null, \`grant_id\` integer null, \`secret_sealed\` text not null, \`callback\` text null, \`verifier_hash\` text null, \`expires_at\` bigint null, \`used_at\` bigint null, \`revoked_at\` bigint null, \`created_at\` bigint not null, constraint \`oauth1_tokens_application_id_foreign\` foreign key (\`application_id\`) references \`applications\` (\`id\`) on delete cascade, constraint \`oauth1_tokens_user_id_foreign\` foreign key (\`user_id\`) references \`users\` (\`id\`) on delete cascade, constraint \`oauth1_tokens_grant_id_foreign\` foreign key (\`grant_id\`) references \`grants\` (\`id\`) on delete set null);`);
    this.addSql(`create unique index \`oauth1_tokens_token_hash_unique\` on \`oauth1_tokens\` (\`token_hash\`);`);
    this.addSql(`create index \`oauth1_tokens_application_id_index\` on \`oauth1_tokens\` (\`application_id\`);`);
    this.addSql(`create index \`oauth1_tokens_user_id_index\` on \`oauth1_tokens\` (\`user_id\`);`);
    this.addSql(`create index \`oauth1_tokens_grant_id_index\` on \`oauth1_tokens\` (\`grant_id\`);`);
    this.addSql(`create index \`oauth1_tokens_expires_at_index\` on \`oauth1_tokens\` (\`expires_at\`);`);

    this.addSql(`alter table \`applications\` add column \`oauth1_enabled\` integer not null default false;`);
    this.addSql(`alter table \`applications\` add column \`oauth1_secret_sealed\` text null;`);
    this.addSql(`alter table \`applications\` add column \`rsa_public_key\` text null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists \`oauth1_nonces\`;`);
    this.addSql(`drop table if exists \`oauth1_tokens\`;`);

    this.addSql(`alter table \`applications\` drop column \`oauth1_enabled\`;`);
    this.addSql(`alter table \`applications\` drop column \`oauth1_secret_sealed\`;`);
    this.addSql(`alter table \`applications\` drop column \`rsa_public_key\`;`);
  }

}
