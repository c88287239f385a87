import { expect } from 'chai';
import { loadConfig } from '../../src/config.ts';
import { postgresOptions } from '../../src/storage/orm.ts';

// DB_POOL_SIZE: the PostgreSQL connections one instance opens at most (docs/performance.md: the pool bounds the
// token rate on PostgreSQL). It reaches the driver's pool, and a pool of no connection is refused at start.
describe('DB_POOL_SIZE: the PostgreSQL pool of each instance', () => {
  const url = 'postgres://gatehouse@127.0.0.1:5432/gatehouse';
  const poolOf = async (env: Record<string, string>) => (await postgresOptions(loadConfig({ DATABASE_URL: url, ...env })) as unknown as { pool: { min: number; max: number } }).pool;

  it('defaults to 10 connections, and takes the setting', async () => {
    expect(await poolOf({})).to.deep.equal({ min: 0, max: 10 });
    expect(await poolOf({ DB_POOL_SIZE: '32' })).to.deep.equal({ min: 0, max: 32 });
  });

  it('refuses 0, a negative or a non-number, naming the setting', () => {
    for (const bad of ['0', '-1', 'many']) expect(() => loadConfig({ DATABASE_URL: url, DB_POOL_SIZE: bad }), bad).to.throw(/DB_POOL_SIZE/);
  });
});
