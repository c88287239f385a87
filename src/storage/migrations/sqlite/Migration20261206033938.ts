import { Migration } from '@mikro-orm/migrations';

export class Migration20261206033938 extends Migration {

  override name = 'Migration20261206033938';

  override up(): void | Promise<void> {
    this.addSql(`alter table \`applications\` add column \`access_token_lifetime\` integer null;`);
    this.addSql(`alter table \`applications\` add column \`refresh_token_lifetime\` integer null;`);
    this.addSql(`alter table \`applications\` add column \`authorization_code_lifetime\` integer null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table \`applications\` drop column \`access_token_lifetime\`;`);
    this.addSql(`alter table \`applications\` drop column \`refresh_token_lifetime\`;`);
    this.addSql(`alter table \`applications\` drop column \`authorization_code_lifetime\`;`);
  }

}
