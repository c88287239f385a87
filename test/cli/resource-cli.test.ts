import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/index.ts';
import { testDatabase, type TestDatabase } from '../database.ts';
import { gatehouse as run } from '../spawn-server.ts';

describe('CLI: createresource, listresources, deleteresource (RFC 8707 resource servers)', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let db: TestDatabase;
  const gatehouse = (...args: string[]) => run(args, env);
  const fails = async (args: string[]) => { try { await gatehouse(...args); } catch (e) { return e as { code: number; stderr: string }; } throw new Error('should fail'); };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-rs-'));
    db = await testDatabase({ sqliteFile: join(dir, 'rs.sqlite'), empty: true });
    env = { ...process.env, ...db.env, NODE_ENV: 'development' };
    await gatehouse('migrate');
  });
  after(async () => { rmSync(dir, { recursive: true, force: true }); await db.drop(); });

  it('creates a resource server (stored canonical, with its format and lifetime), lists it, refuses bad input, deletes it', async () => {
    const { stdout } = await gatehouse('createresource', 'https://MCP.example/mcp', '--name', 'MCP', '--scopes', 'read,write', '--access-token-format', 'jwt', '--ttl', '300');
    expect(stdout.trim()).to.equal('Resource server https://mcp.example/mcp (jwt; scopes: read write)');
    expect((await gatehouse('listresources')).stdout.trim()).to.equal('https://mcp.example/mcp\tjwt\tread write\tMCP');
    expect((await fails(['createresource', 'https://mcp.example/mcp', '--scopes', 'read'])).code).to.equal(1);
    const bad = await fails(['createresource', 'https://x.example/#f', '--scopes', 'nope']);
    expect(bad.code).to.equal(2);
    const app = await createApp({ env: 'test', database: db.database });
    try {
      const [rs] = await app.stores.resourceServers.all();
      expect(rs).to.include({ identifier: 'https://mcp.example/mcp', accessTokenFormat: 'jwt', accessTokenTtl: 300 });
    } finally { await app.close(); }
    expect((await gatehouse('deleteresource', 'https://mcp.example/mcp')).stdout.trim()).to.equal('Deleted https://mcp.example/mcp');
    expect((await gatehouse('listresources')).stdout.trim()).to.equal('');
    expect((await fails(['deleteresource', 'https://mcp.example/mcp'])).code).to.equal(1);
  });
});
