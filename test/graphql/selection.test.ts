import { expect } from 'chai';
import { parse, Kind, type OperationDefinitionNode, type FieldNode, type FragmentDefinitionNode } from 'graphql';
import { createTestApp, type TestServer } from '../helpers.ts';
import { actors, CLIENT_INPUT } from './gql-helpers.ts';
import { columnsFor, nodeFields } from '../../src/graphql/selection.ts';

const infoOf = (query: string) => {
  const doc = parse(query);
  const op = doc.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
  const fragments = Object.fromEntries(doc.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [(d as FragmentDefinitionNode).name.value, d]));
  return { fieldNodes: [op.selectionSet.selections[0] as FieldNode], fragments } as never;
};

describe('GraphQL pages read only the columns a query selects', () => {
  it('collects node fields under nodes and edges.node, through fragments', () => {
    const fields = nodeFields(infoOf('{ clients { totalCount nodes { clientId ... on Client { name } } edges { cursor node { ...F } } } } fragment F on Client { grantTypes owner { username } }'));
    expect([...fields].sort()).to.deep.equal(['clientId', 'grantTypes', 'name', 'owner']);
    const map = { clientId: 'client_id', name: 'name', grantTypes: 'grant_types' };
    expect(columnsFor(fields, map, ['id', 'owner_id'], ['owner'])).to.have.members(['id', 'owner_id', 'client_id', 'grant_types', 'name']);
    expect(columnsFor(new Set(['mystery']), map, ['id'], []), 'an unknown field reads every column').to.equal(null);
  });

  describe('over HTTP', () => {
    let srv: TestServer;
    let a: Awaited<ReturnType<typeof actors>>;
    beforeEach(async () => { srv = await createTestApp(); a = await actors(srv); });
    afterEach(() => srv.close());

    it('answers every selected field of a clients page, whichever way it is selected', async () => {
      await a.admin('mutation($input: ClientInput!) { registerClient(input: $input) { client { id } } }', { input: { ...CLIENT_INPUT, redirectUris: ['https://a.example/cb', 'https://b.example/cb'] } });
      const narrow = await a.admin('{ clients(first: 50) { nodes { id clientId name } } }');
      const wide = await a.admin(`{ clients(first: 50) { totalCount edges { cursor node { ...F } } } }
        fragment F on Client { id clientId name clientType grantTypes redirectUris allowedScopes skipAuthorization allowedOrigins tokenEndpointAuthMethod oauth1Enabled rsaPublicKey createdAt updatedAt owner { username } }`);
      expect(wide.errors).to.equal(undefined);
      const via = wide.data.clients.edges.map((e: { node: Record<string, unknown> }) => e.node).find((n: { name: string }) => n.name === CLIENT_INPUT.name);
      expect(via).to.include({ clientType: 'CONFIDENTIAL', skipAuthorization: false, oauth1Enabled: false, rsaPublicKey: null, tokenEndpointAuthMethod: 'CLIENT_SECRET_BASIC' });
      expect(via.redirectUris).to.deep.equal(['https://a.example/cb', 'https://b.example/cb']);
      expect(via.grantTypes).to.deep.equal(['AUTHORIZATION_CODE']);
      expect(via.owner.username).to.equal('root');
      expect(Date.parse(via.createdAt)).to.be.greaterThan(0);
      expect(wide.data.clients.totalCount).to.equal(narrow.data.clients.nodes.length);
      expect(narrow.data.clients.nodes.map((n: { id: string }) => n.id)).to.deep.equal(wide.data.clients.edges.map((e: { node: { id: string } }) => e.node.id));
    });
  });
});
