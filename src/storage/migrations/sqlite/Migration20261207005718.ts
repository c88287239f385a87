import { Migration } from '@mikro-orm/migrations';

export class Migration20261207005718 extends Migration {

  override name = 'Migration20261207005718';

  override up(): void | Promise<void> {
    this.addSql(`alter table \`access_tokens\` add column \`actor_client_id\` text null;`);
    this.addSql(`create index \`access_tokens_actor_client_id_index\` on \`access_tokens\` (\`actor_client_id\`) where actor_client_id is not null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index \`access_tokens_actor_client_id_index\`;`);
    this.addSql(`alter table \`access_tokens\` drop column \`actor_client_id\`;`);
  }

}
