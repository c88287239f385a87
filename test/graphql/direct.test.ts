import { expect } from 'chai';
import { createTestApp, type TestServer } from '../helpers.ts';
import { actors, CLIENT_INPUT } from './gql-helpers.ts';
import { directStats } from '../../src/graphql/server.ts';

// Plain JSON query calls skip yoga's HTTP layer (src/graphql/server.ts, directQuery); everything else goes through
// yoga. An Accept header yoga reads as application/json but the direct path does not take ("application/json;q=1")
// sends the same call through yoga, so the two answers can be compared byte for byte; directStats tells which path
// answered.
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
  const both = async (body: unknown, auth?: string, direct = true) => {
    const before = directStats.answered;
    const first = await answer(await call(body, {}, auth));
    for (const accept of ['application/json', '*/*']) expect(await answer(await call(body, { accept }, auth)), accept).to.deep.equal(first);
    expect(directStats.answered - before, `answered directly: ${JSON.stringify(body)}`).to.equal(direct ? 3 : 0);
    const viaYoga = await answer(await call(body, { accept: 'application/json;q=1' }, auth));
    expect(directStats.answered - before, 'the q=1 call goes to yoga').to.equal(direct ? 3 : 0);
    expect(first).to.deep.equal(viaYoga);
    return first;
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

  it('serializes any text exactly, as yoga does', async () => {
    // (U+2028 and other format/separator characters are refused in names, src/oauth2/hostile-text.ts: NBSP stands in.)
    const name = 'Quote " back\\slash é ✓ \u00a0 </script> \u{1F600}';
    const made = await a.admin('mutation($input: ClientInput!) { registerClient(input: $input) { client { name } } }', { input: { ...CLIENT_INPUT, name } });
    expect(made.data.registerClient.client.name).to.equal(name);
    const page = await both({ query: '{ clients(first: 50) { nodes { name } } }' });
    expect(JSON.parse(page.body).data.clients.nodes.map((n: { name: string }) => n.name)).to.include(name);
  });

  it('leaves every error to yoga: the same status, media type and body either way', async () => {
    // [body, authorization, answered directly?]: what fails before running goes to yoga; a query that ran is ours.
    const cases: [unknown, string | undefined, boolean][] = [
      [{ query: '{ clients(first: 50) { nodes { id } ' }, undefined, false], // syntax
      [{ query: '{ nope }' }, undefined, false], // invalid
      [{ query: 'query A { viewer { username } } query B { viewer { username } }' }, undefined, false], // which operation?
      [{ query: '{ clients { nodes { id } } }' }, 'Bearer not-a-token', false], // unauthenticated
      [{ query: '{ clients(first: -1) { nodes { id } } }' }, undefined, true], // resolver error
      [{ query: '{ clients(after: "bm9wZQ") { nodes { id } } }' }, undefined, true], // bad cursor
      [{ query: 'query($n: Int) { clients(first: $n) { nodes { id } } }', variables: { n: 'many' } }, undefined, true], // bad variable
      [{ query: '{ viewer { username } }', variables: [1] }, undefined, false], // malformed params
      [{ query: '{ viewer { username } }', extra: 1 }, undefined, false],
      [[{ query: '{ viewer { username } }' }], undefined, false], // batch
      ['{"query": 1}', undefined, false],
    ];
    for (const [body, auth, direct] of cases) {
      const r = await both(body, auth, direct);
      expect(r.status, JSON.stringify(body)).to.be.oneOf([200, 400, 401]);
      expect(JSON.parse(r.body).errors, JSON.stringify(body)).to.be.an('array').that.is.not.empty;
      expect(r.body).not.to.match(/at .*\.ts:\d+|sqlite|select /i);
    }
  });

  it('runs the operation each call names, the same text asked again with another name included', async () => {
    const text = 'query A { viewer { username } } query B { viewer { isAdmin } }';
    for (const [name, data] of [['A', { username: 'root' }], ['B', { isAdmin: true }], ['A', { username: 'root' }], ['B', { isAdmin: true }]] as const) {
      const r = await both({ query: text, operationName: name });
      expect(JSON.parse(r.body), name).to.deep.equal({ data: { viewer: data } });
    }
    const mixed = 'query Q { viewer { username } } mutation M($input: ClientInput!) { registerClient(input: $input) { client { name } } }';
    expect(JSON.parse((await both({ query: mixed, operationName: 'Q' })).body)).to.deep.equal({ data: { viewer: { username: 'root' } } });
    const before = directStats.answered;
    const res = await call({ query: mixed, operationName: 'M', variables: { input: { ...CLIENT_INPUT, name: 'Named M' } } });
    expect((await res.json()).data.registerClient.client.name).to.equal('Named M');
    expect(directStats.answered, 'a mutation is yoga\'s').to.equal(before);
    expect(Number((await srv.app.stores.sql.get<{ n: number }>("select count(*) as n from applications where name = 'Named M'"))!.n)).to.equal(1);
  });

  it('mutations still run once, through yoga', async () => {
    const before = Number((await srv.app.stores.sql.get<{ n: number }>('select count(*) as n from applications'))!.n);
    const res = await call({ query: 'mutation($input: ClientInput!) { registerClient(input: $input) { client { name } } }', variables: { input: { ...CLIENT_INPUT, name: 'Once' } } });
    expect(res.status).to.equal(200);
    expect((await res.json()).data.registerClient.client.name).to.equal('Once');
    expect(Number((await srv.app.stores.sql.get<{ n: number }>('select count(*) as n from applications'))!.n)).to.equal(before + 1);
  });
});
