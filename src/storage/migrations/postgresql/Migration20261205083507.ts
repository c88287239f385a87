import { Migration } from '@mikro-orm/migrations';

export class Migration20261205083507 extends Migration {

  override name = 'Migration20261205083507';

  override up(): void | Promise<void> {
    this.addSql(`alter table "applications" add "post_logout_redirect_uris" text not null default '', add "backchannel_logout_uri" text null, add "backchannel_logout_session_required" boolean not null default false;`);

    this.addSql(`alter table "authorization_codes" add "sid" varchar(64) null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "applications" drop column "post_logout_redirect_uris", drop column "backchannel_logout_uri", drop column "backchannel_logout_session_required";`);

    this.addSql(`alter table "authorization_codes" drop column "sid";`);
  }

}
