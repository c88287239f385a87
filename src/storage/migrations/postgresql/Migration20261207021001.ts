import { Migration } from '@mikro-orm/migrations';
import { fillActorClientIds } from '../actor-client.ts';

export class Migration20261207021001 extends Migration {

  override name = 'Migration20261207021001';

  override async up(): Promise<void> {
    await fillActorClientIds((sql, params) => this.execute(sql, params));
  }

  override down(): void | Promise<void> {}

}
