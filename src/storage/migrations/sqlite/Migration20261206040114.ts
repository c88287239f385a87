import { Migration } from '@mikro-orm/migrations';

export class Migration20261206040114 extends Migration {

  override name = 'Migration20261206040114';

  override up(): void | Promise<void> {
    this.addSql(`alter table \`grants\` add column \`consented_origins\` text null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table \`grants\` drop column \`consented_origins\`;`);
  }

}
