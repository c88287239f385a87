import { Migration } from '@mikro-orm/migrations';

export class Migration20261124130748 extends Migration {

  override name = 'Migration20261124130748';

  override up(): void | Promise<void> {
    this.addSql(`drop index \`events_user_id_index\`;`);
    this.addSql(`create index \`events_user_id_index\` on \`events\` (\`user_id\`) where user_id is not null;`);

    this.addSql(`drop index \`refresh_tokens_grant_id_index\`;`);
    this.addSql(`drop index \`refresh_tokens_user_id_index\`;`);
    this.addSql(`create index \`refresh_tokens_grant_id_index\` on \`refresh_tokens\` (\`grant_id\`) where grant_id is not null;`);
    this.addSql(`create index \`refresh_tokens_user_id_index\` on \`refresh_tokens\` (\`user_id\`) where user_id is not null;`);

    this.addSql(`drop index \`access_tokens_family_id_index\`;`);
    this.addSql(`drop index \`access_tokens_grant_id_index\`;`);
    this.addSql(`drop index \`access_tokens_user_id_index\`;`);
    this.addSql(`create index \`access_tokens_family_id_index\` on \`access_tokens\` (\`family_id\`) where family_id is not null;`);
    this.addSql(`create index \`access_tokens_grant_id_index\` on \`access_tokens\` (\`grant_id\`) where grant_id is not null;`);
    this.addSql(`create index \`access_tokens_user_id_index\` on \`access_tokens\` (\`user_id\`) where user_id is not null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index \`access_tokens_user_id_index\`;`);
    this.addSql(`drop index \`access_tokens_grant_id_index\`;`);
    this.addSql(`drop index \`access_tokens_family_id_index\`;`);
    this.addSql(`create index \`access_tokens_user_id_index\` on \`access_tokens\` (\`user_id\`);`);
    this.addSql(`create index \`access_tokens_grant_id_index\` on \`access_tokens\` (\`grant_id\`);`);
    this.addSql(`create index \`access_tokens_family_id_index\` on \`access_tokens\` (\`family_id\`);`);

    this.addSql(`drop index \`events_user_id_index\`;`);
    this.addSql(`create index \`events_user_id_index\` on \`events\` (\`user_id\`);`);

    this.addSql(`drop index \`refresh_tokens_user_id_index\`;`);
    this.addSql(`drop index \`refresh_tokens_grant_id_index\`;`);
    this.addSql(`create index \`refresh_tokens_user_id_index\` on \`refresh_tokens\` (\`user_id\`);`);
    this.addSql(`create index \`refresh_tokens_grant_id_index\` on \`refresh_tokens\` (\`grant_id\`);`);
  }

}
