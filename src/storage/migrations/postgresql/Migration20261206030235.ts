import { Migration } from '@mikro-orm/migrations';

export class Migration20261206030235 extends Migration {

  override name = 'Migration20261206030235';

  override up(): void | Promise<void> {
    this.addSql(`create table "client_assertion_jtis" ("jti_hash" varchar(64) not null, "expires_at" bigint not null, primary key ("jti_hash"));`);
    this.addSql(`create index "client_assertion_jtis_expires_at_index" on "client_assertion_jtis" ("expires_at");`);

    this.addSql(`alter table "applications" add "jwks_uri" text null, add "token_endpoint_auth_signing_alg" varchar(10) null, add "request_uris" text not null default '';`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "client_assertion_jtis" cascade;`);

    this.addSql(`alter table "applications" drop column "jwks_uri", drop column "token_endpoint_auth_signing_alg", drop column "request_uris";`);
  }

}
