import { Migration } from '@mikro-orm/migrations';

export class Migration20261123044540 extends Migration {

  override name = 'Migration20261123044540';

  override up(): void | Promise<void> {
    this.addSql(`create table "events" ("id" serial primary key, "type" varchar(60) not null, "user_id" int null, "client_id" varchar(100) null, "ip" varchar(64) null, "request_id" varchar(64) null, "detail" text null, "created_at" bigint not null);`);
    this.addSql(`create index "events_type_index" on "events" ("type");`);
    this.addSql(`create index "events_user_id_index" on "events" ("user_id");`);
    this.addSql(`create index "events_client_id_index" on "events" ("client_id");`);
    this.addSql(`create index "events_created_at_index" on "events" ("created_at");`);

    this.addSql(`create table "oauth1_nonces" ("id" serial primary key, "consumer_key" varchar(100) not null, "token" varchar(64) not null, "timestamp" bigint not null, "nonce" varchar(255) not null, "expires_at" bigint not null);`);
    this.addSql(`create index "oauth1_nonces_expires_at_index" on "oauth1_nonces" ("expires_at");`);
    this.addSql(`alter table "oauth1_nonces" add constraint "oauth1_nonces_consumer_key_token_timestamp_nonce_unique" unique ("consumer_key", "token", "timestamp", "nonce");`);

    this.addSql(`create table "rate_limits" ("bucket" varchar(200) not null, "hits" int not null, "reset_at" bigint not null, primary key ("bucket"));`);
    this.addSql(`create index "rate_limits_reset_at_index" on "rate_limits" ("reset_at");`);

    this.addSql(`create table "sessions" ("id" varchar(64) not null, "data" text not null, "expires_at" bigint not null, primary key ("id"));`);
    this.addSql(`create index "sessions_expires_at_index" on "sessions" ("expires_at");`);

    this.addSql(`create table "users" ("id" serial primary key, "username" varchar(150) not null, "email" varchar(254) null, "password_hash" varchar(255) not null, "is_admin" boolean not null default false, "is_active" boolean not null default true, "created_at" bigint not null, "last_login_at" bigint null);`);
    this.addSql(`alter table "users" add constraint "users_username_unique" unique ("username");`);

    this.addSql(`create table "applications" ("id" serial primary key, "client_id" varchar(100) not null, "name" varchar(255) not null, "client_type" varchar(20) not null, "secret_hash" varchar(255) null, "grant_types" text not null, "redirect_uris" text not null, "allowed_scopes" text not null, "skip_authorization" boolean not null default false, "allowed_origins" text not null, "token_endpoint_auth_method" varchar(40) not null, "oauth1_enabled" boolean not null default false, "oauth1_secret_sealed" text null, "rsa_public_key" text null, "owner_id" int not null, "created_at" bigint not null, "updated_at" bigint not null);`);
    this.addSql(`alter table "applications" add constraint "applications_client_id_unique" unique ("client_id");`);

    this.addSql(`create table "grants" ("id" serial primary key, "user_id" int not null, "application_id" int not null, "scope" text not null, "created_at" bigint not null, "last_used_at" bigint null, "revoked_at" bigint null);`);
    this.addSql(`create index "grants_application_id_index" on "grants" ("application_id");`);
    this.addSql(`alter table "grants" add constraint "grants_user_id_application_id_unique" unique ("user_id", "application_id");`);

    this.addSql(`create table "refresh_tokens" ("id" serial primary key, "token_hash" varchar(64) not null, "application_id" int not null, "user_id" int null, "grant_id" int null, "scope" text not null, "expires_at" bigint not null, "revoked_at" bigint null, "created_at" bigint not null, "family_id" varchar(64) not null, "used_at" bigint null);`);
    this.addSql(`alter table "refresh_tokens" add constraint "refresh_tokens_token_hash_unique" unique ("token_hash");`);
    this.addSql(`create index "refresh_tokens_application_id_index" on "refresh_tokens" ("application_id");`);
    this.addSql(`create index "refresh_tokens_user_id_index" on "refresh_tokens" ("user_id");`);
    this.addSql(`create index "refresh_tokens_grant_id_index" on "refresh_tokens" ("grant_id");`);
    this.addSql(`create index "refresh_tokens_expires_at_index" on "refresh_tokens" ("expires_at");`);
    this.addSql(`create index "refresh_tokens_family_id_index" on "refresh_tokens" ("family_id");`);

    this.addSql(`create table "oauth1_tokens" ("id" serial primary key, "token_hash" varchar(64) not null, "kind" varchar(12) not null, "application_id" int not null, "user_id" int null, "grant_id" int null, "secret_sealed" text not null, "callback" text null, "verifier_hash" varchar(64) null, "expires_at" bigint null, "used_at" bigint null, "revoked_at" bigint null, "created_at" bigint not null);`);
    this.addSql(`alter table "oauth1_tokens" add constraint "oauth1_tokens_token_hash_unique" unique ("token_hash");`);
    this.addSql(`create index "oauth1_tokens_application_id_index" on "oauth1_tokens" ("application_id");`);
    this.addSql(`create index "oauth1_tokens_user_id_index" on "oauth1_tokens" ("user_id");`);
    this.addSql(`create index "oauth1_tokens_grant_id_index" on "oauth1_tokens" ("grant_id");`);
    this.addSql(`create index "oauth1_tokens_expires_at_index" on "oauth1_tokens" ("expires_at");`);

    this.addSql(`create table "authorization_codes" ("id" serial primary key, "code_hash" varchar(64) not null, "application_id" int not null, "user_id" int not null, "grant_id" int null, "redirect_uri" text not null, "redirect_uri_provided" boolean not null default true, "scope" text not null, "code_challenge" varchar(128) null, "code_challenge_method" varchar(10) null, "family_id" varchar(64) not null, "expires_at" bigint not null, "consumed_at" bigint null, "created_at" bigint not null);`);
    this.addSql(`alter table "authorization_codes" add constraint "authorization_codes_code_hash_unique" unique ("code_hash");`);
    this.addSql(`create index "authorization_codes_application_id_index" on "authorization_codes" ("application_id");`);
    this.addSql(`create index "authorization_codes_expires_at_index" on "authorization_codes" ("expires_at");`);

    this.addSql(`create table "access_tokens" ("id" serial primary key, "token_hash" varchar(64) not null, "application_id" int not null, "user_id" int null, "grant_id" int null, "scope" text not null, "expires_at" bigint not null, "revoked_at" bigint null, "created_at" bigint not null, "family_id" varchar(64) null);`);
    this.addSql(`alter table "access_tokens" add constraint "access_tokens_token_hash_unique" unique ("token_hash");`);
    this.addSql(`create index "access_tokens_application_id_index" on "access_tokens" ("application_id");`);
    this.addSql(`create index "access_tokens_user_id_index" on "access_tokens" ("user_id");`);
    this.addSql(`create index "access_tokens_grant_id_index" on "access_tokens" ("grant_id");`);
    this.addSql(`create index "access_tokens_expires_at_index" on "access_tokens" ("expires_at");`);
    this.addSql(`create index "access_tokens_family_id_index" on "access_tokens" ("family_id");`);

    this.addSql(`alter table "applications" add constraint "applications_owner_id_foreign" foreign key ("owner_id") references "users" ("id") on delete cascade;`);

    this.addSql(`alter table "grants" add constraint "grants_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`);
    this.addSql(`alter table "grants" add constraint "grants_application_id_foreign" foreign key ("application_id") references "applications" ("id") on delete cascade;`);

    this.addSql(`alter table "refresh_tokens" add constraint "refresh_tokens_application_id_foreign" foreign key ("application_id") references "applications" ("id") on delete cascade;`);
    this.addSql(`alter table "refresh_tokens" add constraint "refresh_tokens_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`);
    this.addSql(`alter table "refresh_tokens" add constraint "refresh_tokens_grant_id_foreign" foreign key ("grant_id") references "grants" ("id") on delete set null;`);

    this.addSql(`alter table "oauth1_tokens" add constraint "oauth1_tokens_application_id_foreign" foreign key ("application_id") references "applications" ("id") on delete cascade;`);
    this.addSql(`alter table "oauth1_tokens" add constraint "oauth1_tokens_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`);
    this.addSql(`alter table "oauth1_tokens" add constraint "oauth1_tokens_grant_id_foreign" foreign key ("grant_id") references "grants" ("id") on delete set null;`);

    this.addSql(`alter table "authorization_codes" add constraint "authorization_codes_application_id_foreign" foreign key ("application_id") references "applications" ("id") on delete cascade;`);
    this.addSql(`alter table "authorization_codes" add constraint "authorization_codes_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`);
    this.addSql(`alter table "authorization_codes" add constraint "authorization_codes_grant_id_foreign" foreign key ("grant_id") references "grants" ("id") on delete cascade;`);

    this.addSql(`alter table "access_tokens" add constraint "access_tokens_application_id_foreign" foreign key ("application_id") references "applications" ("id") on delete cascade;`);
    this.addSql(`alter table "access_tokens" add constraint "access_tokens_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`);
    this.addSql(`alter table "access_tokens" add constraint "access_tokens_grant_id_foreign" foreign key ("grant_id") references "grants" ("id") on delete set null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "applications" drop constraint "applications_owner_id_foreign";`);
    this.addSql(`alter table "grants" drop constraint "grants_user_id_foreign";`);
    this.addSql(`alter table "refresh_tokens" drop constraint "refresh_tokens_user_id_foreign";`);
    this.addSql(`alter table "oauth1_tokens" drop constraint "oauth1_tokens_user_id_foreign";`);
    this.addSql(`alter table "authorization_codes" drop constraint "authorization_codes_user_id_foreign";`);
    this.addSql(`alter table "access_tokens" drop constraint "access_tokens_user_id_foreign";`);
    this.addSql(`alter table "grants" drop constraint "grants_application_id_foreign";`);
    this.addSql(`alter table "refresh_tokens" drop constraint "refresh_tokens_application_id_foreign";`);
    this.addSql(`alter table "oauth1_tokens" drop constraint "oauth1_tokens_application_id_foreign";`);
    this.addSql(`alter table "authorization_codes" drop constraint "authorization_codes_application_id_foreign";`);
    this.addSql(`alter table "access_tokens" drop constraint "access_tokens_application_id_foreign";`);
    this.addSql(`alter table "refresh_tokens" drop constraint "refresh_tokens_grant_id_foreign";`);
    this.addSql(`alter table "oauth1_tokens" drop constraint "oauth1_tokens_grant_id_foreign";`);
    this.addSql(`alter table "authorization_codes" drop constraint "authorization_codes_grant_id_foreign";`);
    this.addSql(`alter table "access_tokens" drop constraint "access_tokens_grant_id_foreign";`);

    this.addSql(`drop table if exists "events" cascade;`);
    this.addSql(`drop table if exists "oauth1_nonces" cascade;`);
    this.addSql(`drop table if exists "rate_limits" cascade;`);
    this.addSql(`drop table if exists "sessions" cascade;`);
    this.addSql(`drop table if exists "users" cascade;`);
    this.addSql(`drop table if exists "applications" cascade;`);
    this.addSql(`drop table if exists "grants" cascade;`);
    this.addSql(`drop table if exists "refresh_tokens" cascade;`);
    this.addSql(`drop table if exists "oauth1_tokens" cascade;`);
    this.addSql(`drop table if exists "authorization_codes" cascade;`);
    this.addSql(`drop table if exists "access_tokens" cascade;`);
  }

}
