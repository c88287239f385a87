import { Migration } from '@mikro-orm/migrations';

export class Migration20261205090230 extends Migration {

  override name = 'Migration20261205090230';

  override up(): void | Promise<void> {
    this.addSql(`alter table "users" add "profile" text null, add "email_verified" boolean not null default false, add "updated_at" bigint null;`);

    this.addSql(`alter table "grants" add "claims" text not null default '';`);

    this.addSql(`alter table "authorization_codes" add "id_token_claims" text not null default '';`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "authorization_codes" drop column "id_token_claims";`);

    this.addSql(`alter table "grants" drop column "claims";`);

    this.addSql(`alter table "users" drop column "profile", drop column "email_verified", drop column "updated_at";`);
  }

}
