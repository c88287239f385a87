import { Migration } from '@mikro-orm/migrations';

export class Migration20261206032158 extends Migration {

  override name = 'Migration20261206032158';

  override up(): void | Promise<void> {
    this.addSql(`create table "dpop_proofs" ("id" serial primary key, "jkt" varchar(43) not null, "jti_hash" varchar(64) not null, "expires_at" bigint not null);`);
    this.addSql(`create index "dpop_proofs_expires_at_index" on "dpop_proofs" ("expires_at");`);
    this.addSql(`alter table "dpop_proofs" add constraint "dpop_proofs_jkt_jti_hash_unique" unique ("jkt", "jti_hash");`);

    this.addSql(`alter table "applications" add "dpop_bound_access_tokens" boolean not null default false;`);

    this.addSql(`alter table "refresh_tokens" add "dpop_jkt" varchar(43) null;`);

    this.addSql(`alter table "authorization_codes" add "dpop_jkt" varchar(43) null;`);

    this.addSql(`alter table "access_tokens" add "dpop_jkt" varchar(43) null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "dpop_proofs" cascade;`);

    this.addSql(`alter table "access_tokens" drop column "dpop_jkt";`);

    this.addSql(`alter table "applications" drop column "dpop_bound_access_tokens";`);

    this.addSql(`alter table "authorization_codes" drop column "dpop_jkt";`);

    this.addSql(`alter table "refresh_tokens" drop column "dpop_jkt";`);
  }

}
