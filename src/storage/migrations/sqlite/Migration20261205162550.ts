import { Migration } from '@mikro-orm/migrations';

export class Migration20261205162550 extends Migration {

  override name = 'Migration20261205162550';

  override up(): void | Promise<void> {
    this.addSql(`alter table \`applications\` add column \`jwks\` text null;`);
    this.addSql(`alter table \`applications\` add column \`request_object_signing_alg\` text null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table \`applications\` drop column \`jwks\`;`);
    this.addSql(`alter table \`applications\` drop column \`request_object_signing_alg\`;`);
  }

}
