import { Migration } from '@mikro-orm/migrations';

export class Migration20261205072953 extends Migration {

  override name = 'Migration20261205072953';

  override up(): void | Promise<void> {
    this.addSql(`create table "signing_keys" ("id" serial primary key, "kid" varchar(64) not null, "alg" varchar(16) not null, "status" varchar(8) not null, "slot" varchar(32) null, "public_jwk" text not null, "private_jwk_sealed" text not null, "created_at" bigint not null, "retired_at" bigint null);`);
    this.addSql(`alter table "signing_keys" add constraint "signing_keys_kid_unique" unique ("kid");`);
    this.addSql(`alter table "signing_keys" add constraint "signing_keys_slot_unique" unique ("slot");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "signing_keys" cascade;`);
  }

}
