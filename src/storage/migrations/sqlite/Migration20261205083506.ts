import { Migration } from '@mikro-orm/migrations';

export class Migration20261205083506 extends Migration {

  override name = 'Migration20261205083506';

  override up(): void | Promise<void> {
    this.addSql(`alter table \`applications\` add column \`post_logout_redirect_uris\` text not null default '';`);
    this.addSql(`alter table \`applications\` add column \`backchannel_logout_uri\` text null;`);
    this.addSql(`alter table \`applications\` add column \`backchannel_logout_session_required\` integer not null default false;`);

    this.addSql(`alter table \`authorization_codes\` add column \`sid\` text null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table \`applications\` drop column \`post_logout_redirect_uris\`;`);
    this.addSql(`alter table \`applications\` drop column \`backchannel_logout_uri\`;`);
    this.addSql(`alter table \`applications\` drop column \`backchannel_logout_session_required\`;`);

    this.addSql(`alter table \`authorization_codes\` drop column \`sid\`;`);
  }

}
