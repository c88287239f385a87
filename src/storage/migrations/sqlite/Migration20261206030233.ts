import { Migration } from '@mikro-orm/migrations';

export class Migration20261206030233 extends Migration {

  override name = 'Migration20261206030233';

  override up(): void | Promise<void> {
    this.addSql(`create table \`client_assertion_jtis\` (\`jti_hash\` text not null primary key, \`expires_at\` bigint not null);`);
    this.addSql(`create index \`client_assertion_jtis_expires_at_index\` on \`client_assertion_jtis\` (\`expires_at\`);`);

    this.addSql(`alter table \`applications\` add column \`jwks_uri\` text null;`);
    this.addSql(`alter table \`applications\` add column \`token_endpoint_auth_signing_alg\` text null;`);
    this.addSql(`alter table \`applications\` add column \`request_uris\` text not null default '';`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists \`client_assertion_jtis\`;`);

    this.addSql(`alter table \`applications\` drop column \`jwks_uri\`;`);
    this.addSql(`alter table \`applications\` drop column \`token_endpoint_auth_signing_alg\`;`);
    this.addSql(`alter table \`applications\` drop column \`request_uris\`;`);
  }

}
