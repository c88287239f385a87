import { expect } from 'chai';
import { createTestApp, type TestServer } from '../helpers.ts';
import { actors } from './gql-helpers.ts';
import { postForm } from '../oauth-helpers.ts';
import { scopeDescriptions } from '../../src/oauth2/scope.ts';

const FIELDS = 'id identifier name scopes accessTokenFormat accessTokenTtl createdAt updatedAt';
const CREATE = `mutation($input: ResourceServerInput!) { createResourceServer(input: $input) { ${FIELDS} } }`;

describe('GraphQL: RFC 8707 resource servers (administrators only)', () => {
  let srv: TestServer;
  let a: Awaited<ReturnType<typeof actors>>;
  before(async () => {
    srv = await createTestApp({ scopes: { ...scopeDescriptions(), 'mcp:tools': 'Use the tools' } });
    a = await actors(srv);
  });
  after(() => srv.close());

  it('an administrator creates, lists, updates and deletes; the identifier is kept canonical; each change is audited', async () => {
    const created = await a.admin(CREATE, { input: { identifier: 'HTTPS://MCP.Example', name: 'MCP', scopes: ['mcp:tools'], accessTokenFormat: 'JWT', accessTokenTtl: 300 } });
    expect(created.errors).to.equal(undefined);
    const rs = created.data.createResourceServer;
    expect(rs).to.include({ identifier: 'https://mcp.example/', name: 'MCP', accessTokenFormat: 'JWT', accessTokenTtl: 300 });
    expect(rs.scopes).to.deep.equal(['mcp:tools']);
    const list = await a.admin(`{ resourceServers { ${FIELDS} } }`);
    expect(list.data.resourceServers.map((r: { identifier: string }) => r.identifier)).to.deep.equal(['https://mcp.example/']);
    const updated = await a.admin(`mutation($id: ID!, $input: ResourceServerInput!) { updateResourceServer(id: $id, input: $input) { identifier accessTokenFormat accessTokenTtl } }`,
      { id: rs.id, input: { identifier: 'https://mcp.example/', name: 'MCP', scopes: ['mcp:tools', 'read'] } });
    expect(updated.data.updateResourceServer).to.deep.equal({ identifier: 'https://mcp.example/', accessTokenFormat: 'OPAQUE', accessTokenTtl: null });
    const events = await a.admin('{ events(first: 50, filter: { types: ["resource_server.created", "resource_server.updated", "resource_server.deleted"] }) { edges { node { type } } } }');
    expect(events.errors).to.equal(undefined);
    expect(events.data.events.edges.map((e: { node: { type: string } }) => e.node.type).sort()).to.deep.equal(['resource_server.created', 'resource_server.updated']);
    expect((await a.admin('mutation($id: ID!) { deleteResourceServer(id: $id) }', { id: rs.id })).data.deleteResourceServer).to.equal(true);
    expect((await a.admin('mutation { deleteResourceServer(id: "999999") }')).data.deleteResourceServer).to.equal(false);
    expect((await a.admin('{ resourceServers { id } }')).data.resourceServers).to.deep.equal([]);
  });

  it('invalid input is BAD_USER_INPUT, field by field (RFC 8707 §2 identifiers, known scopes, the issuer reserved, duplicates)', async () => {
    const bad = async (input: Record<string, unknown>, field: string) => {
      const r = await a.admin(CREATE, { input: { identifier: 'https://ok.example/', name: 'x', scopes: [], ...input } });
      expect(r.errors?.[0]?.extensions?.code, JSON.stringify(input)).to.equal('BAD_USER_INPUT');
      expect(r.errors![0].extensions.fields.map((f: { path: string[] }) => f.path.at(-1))).to.include(field);
    };
    await bad({ identifier: '/relative' }, 'identifier');
    await bad({ identifier: 'https://x.example/#frag' }, 'identifier');
    await bad({ identifier: srv.app.config.issuer }, 'identifier');
    await bad({ scopes: ['nope'] }, 'scopes');
    await bad({ accessTokenTtl: 0 }, 'accessTokenTtl');
    expect((await a.admin(CREATE, { input: { identifier: 'https://dup.example/', name: 'd', scopes: [] } })).errors).to.equal(undefined);
    await bad({ identifier: 'https://dup.example' }, 'identifier');
  });

  it('a non-administrator (even with write and applications) and an anonymous caller cannot read or change them', async () => {
    await a.admin(CREATE, { input: { identifier: 'https://secret.example/', name: 's', scopes: [] } });
    for (const [who, call] of [['user', a.user], ['anonymous', a.anonymous]] as const) {
      const list = await call('{ resourceServers { identifier } }');
      expect(list.data?.resourceServers ?? null, who).to.equal(null);
      expect(list.errors?.[0]?.extensions?.code, who).to.be.oneOf(['FORBIDDEN', 'UNAUTHENTICATED']);
      const create = await call(CREATE, { input: { identifier: 'https://evil.example/', name: 'e', scopes: ['admin'] } });
      expect(create.errors?.[0]?.extensions?.code, who).to.be.oneOf(['FORBIDDEN', 'UNAUTHENTICATED']);
    }
    const identifiers = (await a.admin('{ resourceServers { identifier } }')).data.resourceServers.map((r: { identifier: string }) => r.identifier);
    expect(identifiers).to.not.include('https://evil.example/');
  });

  it('a resource server created through GraphQL is usable at once at the token endpoint', async () => {
    await a.admin(CREATE, { input: { identifier: 'https://live.example/api', name: 'live', scopes: ['read'] } });
    const { client, clientSecret } = await srv.app.seed.client({ owner: a.root, grantTypes: ['client_credentials'], allowedScopes: ['read'] });
    const res = await postForm(`${srv.url}/o/token/`, { grant_type: 'client_credentials', scope: 'read', resource: 'https://live.example/api' }, { id: client.clientId, secret: clientSecret! });
    expect(res.status).to.equal(200);
    const info = await (await postForm(`${srv.url}/o/introspect/`, { token: (await res.json()).access_token }, { id: client.clientId, secret: clientSecret! })).json();
    expect(info.aud).to.equal('https://live.example/api');
  });
});
