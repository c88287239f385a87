import { Migration } from '@mikro-orm/migrations';

export class Migration20261205073309 extends Migration {

  override name = 'Migration20261205073309';

  override up(): void | Promise<void> {
    this.addSql(`alter table \`authorization_codes\` add column \`nonce\` text null;`);
    this.addSql(`alter table \`authorization_codes\` add column \`auth_time\` bigint null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table \`authorization_codes\` drop column \`nonce\`;`);
    this.addSql(`alter table \`authorization_codes\` drop column \`auth_time\`;`);
  }

}
