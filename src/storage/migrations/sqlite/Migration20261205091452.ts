import { Migration } from '@mikro-orm/migrations';

export class Migration20261205091452 extends Migration {

  override name = 'Migration20261205091452';

  override up(): void | Promise<void> {
    this.addSql(`alter table \`applications\` add column \`access_token_format\` text not null default 'opaque';`);
    this.addSql(`alter table \`applications\` add column \`id_token_signed_response_alg\` text not null default 'RS256';`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table \`applications\` drop column \`access_token_format\`;`);
    this.addSql(`alter table \`applications\` drop column \`id_token_signed_response_alg\`;`);
  }

}
