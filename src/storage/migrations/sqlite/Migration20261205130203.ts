import { Migration } from '@mikro-orm/migrations';

export class Migration20261205130203 extends Migration {

  override name = 'Migration20261205130203';

  override up(): void | Promise<void> {
    this.addSql(`alter table \`applications\` add column \`userinfo_signed_response_alg\` text null;`);
    this.addSql(`alter table \`applications\` add column \`subject_type\` text not null default 'public';`);
    this.addSql(`alter table \`applications\` add column \`sector_identifier_uri\` text null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table \`applications\` drop column \`userinfo_signed_response_alg\`;`);
    this.addSql(`alter table \`applications\` drop column \`subject_type\`;`);
    this.addSql(`alter table \`applications\` drop column \`sector_identifier_uri\`;`);
  }

}
