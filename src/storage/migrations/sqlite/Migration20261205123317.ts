import { Migration } from '@mikro-orm/migrations';

export class Migration20261205123317 extends Migration {

  override name = 'Migration20261205123317';

  override up(): void | Promise<void> {
    this.addSql(`alter table \`applications\` add column \`response_types\` text not null default '';`);

    this.addSql(`alter table \`refresh_tokens\` add column \`auth_time\` bigint null;`);
    this.addSql(`alter table \`refresh_tokens\` add column \`sid\` text null;`);
    this.addSql(`alter table \`refresh_tokens\` add column \`amr\` text not null default '';`);
    this.addSql(`create index \`refresh_tokens_sid_index\` on \`refresh_tokens\` (\`sid\`) where sid is not null;`);

    this.addSql(`alter table \`authorization_codes\` add column \`amr\` text not null default '';`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table \`applications\` drop column \`response_types\`;`);

    this.addSql(`alter table \`authorization_codes\` drop column \`amr\`;`);

    this.addSql(`drop index \`refresh_tokens_sid_index\`;`);
    this.addSql(`alter table \`refresh_tokens\` drop column \`auth_time\`;`);
    this.addSql(`alter table \`refresh_tokens\` drop column \`sid\`;`);
    this.addSql(`alter table \`refresh_tokens\` drop column \`amr\`;`);
  }

}
