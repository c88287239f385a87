import { Migration } from '@mikro-orm/migrations';

export class Migration20261205090228 extends Migration {

  override name = 'Migration20261205090228';

  override up(): void | Promise<void> {
    this.addSql(`alter table \`users\` add column \`profile\` text null;`);
    this.addSql(`alter table \`users\` add column \`email_verified\` integer not null default false;`);
    this.addSql(`alter table \`users\` add column \`updated_at\` bigint null;`);

    this.addSql(`alter table \`grants\` add column \`claims\` text not null default '';`);

    this.addSql(`alter table \`authorization_codes\` add column \`id_token_claims\` text not null default '';`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table \`authorization_codes\` drop column \`id_token_claims\`;`);

    this.addSql(`alter table \`grants\` drop column \`claims\`;`);

    this.addSql(`alter table \`users\` drop column \`profile\`;`);
    this.addSql(`alter table \`users\` drop column \`email_verified\`;`);
    this.addSql(`alter table \`users\` drop column \`updated_at\`;`);
  }

}
