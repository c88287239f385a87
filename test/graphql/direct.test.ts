import { expect } from 'chai';
import { createTestApp, type TestServer } from '../helpers.ts';
import { actors, CLIENT_INPUT } from './gql-helpers.ts';

// Plain JSON query calls skip yoga's HTTP layer (src/graphql/server.ts, directQuery); everything else goes through
// yoga. An Accept header yoga reads as application/json but the direct path does not take ("application/json;q=1")
// sends the same call through yoga, so the two answers can be compared byte for byte.
describe('GraphQL: a plain JSON query answers exactly as yoga does', () => {
  let srv: TestServer;
  let a: Awaited<ReturnType<typeof actors>>;
  let token: string;
  beforeEach(async () => {
    srv = await createTestApp();
    a = await actors(srv);
    await a.admin('mutation($input: ClientInput!) { registerClient(input: $input) { client { id } } }', { input: CLIENT_INPUT });
    token = a.adminToken;
  });
  afterEach(() => srv.close());

  const call = (body: unknown, headers: Record<string, string> = {}, auth = `Bearer ${token}`) => fetch(`${srv.url}/graphql`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: auth, ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const answer = async (res: Response) => ({ status: res.status, type: res.headers.get('content-type'), cache: res.headers.get('cache-control'), body: await res.text() });
  const both = async (body: unknown, auth?: string) => {
    const direct = await answer(await call(body, {}, auth));
    for (const accept of ['application/json', '*/*']) expect(await answer(await call(body, { accept }, auth)), accept).to.deep.equal(direct);
    const viaYoga = await answer(await call(body, { accept: 'application/json;q=1' }, auth));
    expect(direct).to.deep.equal(viaYoga);
    return direct;
  };

  it('pages, variables, named operations and nested lookups', async () => {
    const page = await both({ query: '{ clients(first: 50) { totalCount nodes { id clientId name grantTypes owner { username } } pageInfo { hasNextPage endCursor } } }' });
    expect(page.status).to.equal(200);
    expect(page.type).to.equal('application/json; charset=utf-8');
    expect(JSON.parse(page.body).data.clients.nodes.map((n: { name: string }) => n.name)).to.include(CLIENT_INPUT.name);
    const vars = await both({ query: 'query Page($n: Int, $after: String) { clients(first: $n, after: $after) { nodes { name } } }', variables: { n: 1, after: null }, operationName: 'Page' });
    expect(JSON.parse(vars.body).data.clients.nodes).to.have.length(1);
    const named = await both({ query: 'query A { viewer { username } } query B { viewer { isAdmin } }', operationName: 'B' });
    expect(JSON.parse(named.body)).to.deep.equal({ data: { viewer: { isAdmin: true } } });
  });

  it('serializes any text exactly (the compiled serializer escapes as JSON.stringify does)', async () => {
    const name = 'Quote " back\\slash é ✓ \u2028 </script> \u{1F600}';
    const made = await a.admin('mutation($input: ClientInput!) { registerClient(input: $input) { client { name } } }', { input: { ...CLIENT_INPUT, name } });
    expect(made.data.registerClient.client.name).to.equal(name);
    const page = await both({ query: '{ clients(first: 50) { nodes { name } } }' });
    expect(JSON.parse(page.body).data.clients.nodes.map((n: { name: string }) => n.name)).to.include(name);
  });

  it('leaves every error to yoga: the same status, media type and body either way', async () => {
    const cases: [unknown, string | undefined][] = [
      [{ query: '{ clients(first: 50) { nodes { id } ' }, undefined], // syntax
      [{ query: '{ nope }' }, undefined], // invalid
      [{ query: 'query A { viewer { username } } query B { viewer { username } }' }, undefined], // which operation?
      [{ query: '{ clients { nodes { id } } }' }, 'Bearer not-a-token'], // unauthenticated
      [{ query: '{ clients(first: -1) { nodes { id } } }' }, undefined], // resolver error
      [{ query: 'query($n: Int) { clients(first: $n) { nodes { id } } }', variables: { n: 'many' } }, undefined], // bad variable
      [{ query: '{ viewer { username } }', variables: [1] }, undefined], // malformed params
      [{ query: '{ viewer { username } }', extra: 1 }, undefined],
      [[{ query: '{ viewer { username } }' }], undefined], // batch
      ['{"query": 1}', undefined],
    ];
    for (const [body, auth] of cases) {
      const r = await both(body, auth);
      expect(r.status, JSON.stringify(body)).to.be.oneOf([200, 400, 401]);
      expect(JSON.parse(r.body).errors, JSON.stringify(body)).to.be.an('array').that.is.not.empty;
      expect(r.body).not.to.match(/at .*\.ts:\d+|sqlite|select /i);
    }
  });

  it('mutations still run once, through yoga', async () => {
    const before = Number((await srv.app.stores.sql.get<{ n: number }>('select count(*) as n from applications'))!.n);
    const res = await call({ query: 'mutation($input: ClientInput!) { registerClient(input: $input) { client { name } } }', variables: { input: { ...CLIENT_INPUT, name: 'Once' } } });
    expect(res.status).to.equal(200);
    expect((await res.json()).data.registerClient.client.name).to.equal('Once');
    expect(Number((await srv.app.stores.sql.get<{ n: number }>('select count(*) as n from applications'))!.n)).to.equal(before + 1);
  });
});
