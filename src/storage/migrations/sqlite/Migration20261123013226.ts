import { Migration } from '@mikro-orm/migrations';

export class Migration20261123013226 extends Migration {

  override name = 'Migration20261123013226';

  override up(): void | Promise<void> {
    this.addSql(`create table \`events\` (\`id\` integer not null primary key autoincrement, \`type\` text not null, \`user_id\` integer null, \`client_id\` text null, \`ip\` text null, \`request_id\` text null, \`detail\` text null, \`created_at\` bigint not null);`);
    this.addSql(`create index \`events_type_index\` on \`events\` (\`type\`);`);
    this.addSql(`create index \`events_user_id_index\` on \`events\` (\`user_id\`);`);
    this.addSql(`create index \`events_client_id_index\` on \`events\` (\`client_id\`);`);
    this.addSql(`create index \`events_created_at_index\` on \`events\` (\`created_at\`);`);

    this.addSql(`create table \`sessions\` (\`id\` text not null primary key, \`data\` text not null, \`expires_at\` bigint not null);`);
    this.addSql(`create index \`sessions_expires_at_index\` on \`sessions\` (\`expires_at\`);`);

    this.addSql(`create table \`users\` (\`id\` integer not null primary key autoincrement, \`username\` text not null, \`email\` text null, \`password_hash\` text not null, \`is_admin\` integer not null default false, \`is_active\` integer not null default true, \`created_at\` bigint not null, \`last_login_at\` bigint null);`);
    this.addSql(`create unique index \`users_username_unique\` on \`users\` (\`username\`);`);

    this.addSql(`create table \`applications\` (\`id\` integer not null primary key autoincrement, \`client_id\` text not null, \`name\` text not null, \`client_type\` text not null, \`secret_hash\` text null, \`grant_types\` text not null, \`redirect_uris\` text not null, \`allowed_scopes\` text not null, \`skip_authorization\` integer not null default false, \`allowed_origins\` text not null, \`token_endpoint_auth_method\` text not null, \`owner_id\` integer not null, \`created_at\` bigint not null, \`updated_at\` bigint not null, constraint \`applications_owner_id_foreign\` foreign key (\`owner_id\`) references \`users\` (\`id\`) on delete cascade);`);
    this.addSql(`create unique index \`applications_client_id_unique\` on \`applications\` (\`client_id\`);`);
    this.addSql(`create index \`applications_owner_id_index\` on \`applications\` (\`owner_id\`);`);

    this.addSql(`create table \`grants\` (\`id\` integer not null primary key autoincrement, \`user_id\` integer not null, \`application_id\` integer not null, \`scope\` text not null, \`created_at\` bigint not null, \`last_used_at\` bigint null, \`revoked_at\` bigint null, constraint \`grants_user_id_foreign\` foreign key (\`user_id\`) references \`users\` (\`id\`) on delete cascade, constraint \`grants_application_id_foreign\` foreign key (\`application_id\`) references \`applications\` (\`id\`) on delete cascade);`);
    this.addSql(`create index \`grants_user_id_index\` on \`grants\` (\`user_id\`);`);
    this.addSql(`create index \`grants_application_id_index\` on \`grants\` (\`application_id\`);`);
    this.addSql(`create unique index \`grants_user_id_application_id_unique\` on \`grants\` (\`user_id\`, \`application_id\`);`);

    this.addSql(`create table \`refresh_tokens\` (\`id\` integer not null primary key autoincrement, \`token_hash\` text not null, \`application_id\` integer not null, \`user_id\` integer null, \`grant_id\` integer null, \`scope\` text not null, \`family_id\` text not null, \`expires_at\` bigint not null, \`used_at\` bigint null, \`revoked_at\` bigint null, \`created_at\` bigint not null, constraint \`refresh_tokens_application_id_foreign\` foreign key (\`application_id\`) references \`applications\` (\`id\`) on delete cascade, constraint \`refresh_tokens_user_id_foreign\` foreign key (\`user_id\`) references \`users\` (\`id\`) on delete cascade, constraint \`refresh_tokens_grant_id_foreign\` foreign key (\`grant_id\`) references \`grants\` (\`id\`) on delete set null);`);
    this.addSql(`create unique index \`refresh_tokens_token_hash_unique\` on \`refresh_tokens\` (\`token_hash\`);`);
    this.addSql(`create index \`refresh_tokens_application_id_index\` on \`refresh_tokens\` (\`application_id\`);`);
    this.addSql(`create index \`refresh_tokens_user_id_index\` on \`refresh_tokens\` (\`user_id\`);`);
    this.addSql(`create index \`refresh_tokens_grant_id_index\` on \`refresh_tokens\` (\`grant_id\`);`);
    this.addSql(`create index \`refresh_tokens_family_id_index\` on \`refresh_tokens\` (\`family_id\`);`);
    this.addSql(`create index \`refresh_tokens_expires_at_index\` on \`refresh_tokens\` (\`expires_at\`);`);

    this.addSql(`create table \`authorization_codes\` (\`id\` integer not null primary key autoincrement, \`code_hash\` text not null, \`application_id\` integer not null, \`user_id\` integer not null, \`grant_id\` integer null, \`redirect_uri\` text not null, \`redirect_uri_provided\` integer not null default true, \`scope\` text not null, \`code_challenge\` text null, \`code_challenge_method\` text null, \`family_id\` text not null, \`expires_at\` bigint not null, \`consumed_at\` bigint null, \`created_at\` bigint not null, constraint \`authorization_codes_application_id_foreign\` foreign key (\`application_id\`) references \`applications\` (\`id\`) on delete cascade, constraint \`authorization_codes_user_id_foreign\` foreign key (\`user_id\`) references \`users\` (\`id\`) on delete cascade, constraint \`authorization_codes_grant_id_foreign\` foreign key (\`grant_id\`) references \`grants\` (\`id\`) on delete cascade);`);
    this.addSql(`create unique index \`authorization_codes_code_hash_unique\` on \`authorization_codes\` (\`code_hash\`);`);
    this.addSql(`create index \`authorization_codes_application_id_index\` on \`authorization_codes\` (\`application_id\`);`);
    this.addSql(`create index \`authorization_codes_user_id_index\` on \`authorization_codes\` (\`user_id\`);`);
    this.addSql(`create index \`authorization_codes_grant_id_index\` on \`authorization_codes\` (\`grant_id\`);`);
    this.addSql(`create index \`authorization_codes_expires_at_index\` on \`authorization_codes\` (\`expires_at\`);`);

    this.addSql(`create table \`access_tokens\` (\`id\` integer not null primary key autoincrement, \`token_hash\` text not null, \`application_id\` integer not null, \`user_id\` integer null, \`grant_id\` integer null, \`scope\` text not null, \`family_id\` text null, \`expires_at\` bigint not null, \`revoked_at\` bigint null, \`created_at\` bigint not null, constraint \`access_tokens_application_id_foreign\` foreign key (\`application_id\`) references \`applications\` (\`id\`) on delete cascade, constraint \`access_tokens_user_id_foreign\` foreign key (\`user_id\`) references \`users\` (\`id\`) on delete cascade, constraint \`access_tokens_grant_id_foreign\` foreign key (\`grant_id\`) references \`grants\` (\`id\`) on delete set null);`);
    this.addSql(`create unique index \`access_tokens_token_hash_unique\` on \`access_tokens\` (\`token_hash\`);`);
    this.addSql(`create index \`access_tokens_application_id_index\` on \`access_tokens\` (\`application_id\`);`);
    this.addSql(`create index \`access_tokens_user_id_index\` on \`access_tokens\` (\`user_id\`);`);
    this.addSql(`create index \`access_tokens_grant_id_index\` on \`access_tokens\` (\`grant_id\`);`);
    this.addSql(`create index \`access_tokens_family_id_index\` on \`access_tokens\` (\`family_id\`);`);
    this.addSql(`create index \`access_tokens_expires_at_index\` on \`access_tokens\` (\`expires_at\`);`);
  }

}
