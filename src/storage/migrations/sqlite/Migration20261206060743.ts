import { Migration } from '@mikro-orm/migrations';

export class Migration20261206060743 extends Migration {

  override name = 'Migration20261206060743';

  override up(): void | Promise<void> {
    this.addSql(`alter table \`access_tokens\` add column \`exchanged_from\` text null;`);
    this.addSql(`create index \`access_tokens_exchanged_from_index\` on \`access_tokens\` (\`exchanged_from\`) where exchanged_from is not null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index \`access_tokens_exchanged_from_index\`;`);
    this.addSql(`alter table \`access_tokens\` drop column \`exchanged_from\`;`);
  }

}
