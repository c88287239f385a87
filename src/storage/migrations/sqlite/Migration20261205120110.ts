import { Migration } from '@mikro-orm/migrations';

export class Migration20261205120110 extends Migration {

  override name = 'Migration20261205120110';

  override up(): void | Promise<void> {
    this.addSql(`alter table \`applications\` add column \`response_types\` text not null default '';`);

    this.addSql(`alter table \`refresh_tokens\` add column \`auth_time\` bigint null;`);
    this.addSql(`alter table \`refresh_tokens\` add column \`sid\` text null;`);
    this.addSql(`alter table \`refresh_tokens\` add column \`amr\` text not null default '';`);

    this.addSql(`alter table \`authorization_codes\` add column \`amr\` text not null default '';`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table \`applications\` drop column \`response_types\`;`);

    this.addSql(`alter table \`authorization_codes\` drop column \`amr\`;`);

    this.addSql(`alter table \`refresh_tokens\` drop column \`auth_time\`;`);
    this.addSql(`alter table \`refresh_tokens\` drop column \`sid\`;`);
    this.addSql(`alter table \`refresh_tokens\` drop column \`amr\`;`);
  }

}
