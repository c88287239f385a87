import { Migration } from '@mikro-orm/migrations';

export class Migration20261206030800 extends Migration {

  override name = 'Migration20261206030800';

  override up(): void | Promise<void> {
    this.addSql(`alter table \`applications\` add column \`token_exchange\` text null;`);

    this.addSql(`alter table \`access_tokens\` add column \`act\` text null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table \`access_tokens\` drop column \`act\`;`);

    this.addSql(`alter table \`applications\` drop column \`token_exchange\`;`);
  }

}
