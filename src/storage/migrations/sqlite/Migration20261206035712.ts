import { Migration } from '@mikro-orm/migrations';

export class Migration20261206035712 extends Migration {

  override name = 'Migration20261206035712';

  override up(): void | Promise<void> {
    this.addSql(`alter table \`device_codes\` add column \`resource\` text not null default '';`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table \`device_codes\` drop column \`resource\`;`);
  }

}
