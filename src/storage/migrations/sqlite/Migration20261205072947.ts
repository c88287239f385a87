import { Migration } from '@mikro-orm/migrations';

export class Migration20261205072947 extends Migration {

  override name = 'Migration20261205072947';

  override up(): void | Promise<void> {
    this.addSql(`create table \`signing_keys\` (\`id\` integer not null primary key autoincrement, \`kid\` text not null, \`alg\` text not null, \`status\` text not null, \`slot\` text null, \`public_jwk\` text not null, \`private_jwk_sealed\` text not null, \`created_at\` bigint not null, \`retired_at\` bigint null);`);
    this.addSql(`create unique index \`signing_keys_kid_unique\` on \`signing_keys\` (\`kid\`);`);
    this.addSql(`create unique index \`signing_keys_slot_unique\` on \`signing_keys\` (\`slot\`);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists \`signing_keys\`;`);
  }

}
