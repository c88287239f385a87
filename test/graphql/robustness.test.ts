import { expect } from 'chai';
import { connect } from 'node:net';
import { buildSchema, getIntrospectionQuery, isObjectType } from 'graphql';
import { createTestApp, type TestServer } from '../helpers.ts';
import { postForm } from '../oauth-helpers.ts';
import { loadTypeDefs, resolverMaps } from '../../src/graphql/server.ts';
import { clientView as clientNode, eventView as eventNode, grantView as grantNode, tokenView as tokenNode, userView as userNode } from '../../src/storage/admin-views.ts';
import { actors } from './gql-helpers.ts';

/** A POST with no body and neither Content-Length nor Transfer-Encoding (as `curl -X POST` sends), answered as a Response. */
async function rawPost(base: string, path: string, headers: string): Promise<Response> {
  const { host, port } = new URL(base);
  const socket = connect(Number(port), host.replace(/:\d+$/, ''));
  socket.end(`POST ${path} HTTP/1.1\r\nhost: ${host}\r\nconnection: close\r\n${headers}\r\n`);
  const chunks: Buffer[] = [];
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString();
  const [head, ...rest] = text.split('\r\n\r\n');
  let body = rest.join('\r\n\r\n');
  if (/transfer-encoding: chunked/i.test(head)) body = body.replace(/^[0-9a-f]+\r\n/i, '').replace(/\r\n0\r\n\r\n$/, '');
  return new Response(body, { status: Number(/^HTTP\/1\.1 (\d+)/.exec(head)![1]) });
}

describe('GraphQL admin API: contract, limits, batching and live events', () => {
  let srv: TestServer;
  let a: Awaited<ReturnType<typeof actors>>;
  beforeEach(async () => { srv = await createTestApp(); a = await actors(srv); });
  afterEach(() => srv.close());

  it('keeps SDL and resolvers in step: no unused resolver, every root field resolved, every other field resolved or mapped', () => {
    const schema = buildSchema(loadTypeDefs());
    const maps = resolverMaps();
    const row = { id: 1, client_id: 'c', name: 'n', client_type: 'public', grant_types: '', redirect_uris: '', allowed_scopes: '', skip_authorization: 0, allowed_origins: '', token_endpoint_auth_method: 'none', owner_id: 1, created_at: 1, updated_at: 1, username: 'u', email: null, is_admin: 0, is_active: 1, last_login_at: null, user_id: 1, application_id: 1, scope: '', last_used_at: null, revoked_at: null, expires_at: 1, type: 't', ip: null, request_id: null, detail: null };
    const mapped: Record<string, object> = { Client: clientNode(row), User: userNode(row), Grant: grantNode(row), Token: tokenNode(row, 'ACCESS'), Event: eventNode(row) };
    for (const [type, fields] of Object.entries(maps)) {
      const t = schema.getType(type);
      expect(t, `resolver for unknown type ${type}`).to.not.equal(undefined);
      if (isObjectType(t)) for (const f of Object.keys(fields)) expect(t.getFields(), `unused resolver ${type}.${f}`).to.have.property(f);
    }
    for (const root of ['Query', 'Mutation', 'Subscription']) {
      for (const f of Object.keys((schema.getType(root) as never as { getFields(): object }).getFields())) expect(maps[root], `${root}.${f}`).to.have.property(f);
    }
    for (const [type, sample] of Object.entries(mapped)) {
      const t = schema.getType(type);
      if (!isObjectType(t)) throw new Error(type);
      for (const f of Object.keys(t.getFields())) expect(f in sample || f in (maps[type] ?? {}), `${type}.${f} has neither a resolver nor a mapped property`).to.equal(true);
    }
    // Compiled queries (graphql-jit) do not call function-valued properties: every count needs its resolver.
    const counted = Object.values(schema.getTypeMap()).filter((t) => isObjectType(t) && 'totalCount' in t.getFields()).map((t) => t.name);
    expect(counted).to.include.members(['ClientConnection', 'EventConnection', 'GrantConnection', 'TokenConnection', 'UserConnection']);
    for (const type of counted) expect(maps[type], `${type}.totalCount`).to.have.property('totalCount');
  });

  it('allows introspection to signed-in callers (codegen tools rely on it), not to anonymous ones (issue 17 #2)', async () => {
    const r = await a.userReadOnly(getIntrospectionQuery());
    expect(r.data.__schema.queryType.name).to.equal('Query');
    const anonymous = await a.anonymous(getIntrospectionQuery());
    expect(anonymous.data ?? null).to.equal(null);
    expect(anonymous.errors![0].extensions.code).to.equal('GRAPHQL_VALIDATION_FAILED');
  });

  it('refuses queries that are too deep or too costly before running them', async () => {
    const deep = await a.admin('{ clients { nodes { owner { clients { nodes { owner { clients { nodes { owner { clients { nodes { owner { username } } } } } } } } } } } } }');
    expect(deep.errors![0].extensions.code).to.equal('QUERY_TOO_COMPLEX');
    const costly = await a.admin('{ users(first: 100) { nodes { clients(first: 100) { nodes { grants(first: 100) { nodes { id } } } } } } }');
    expect(costly.errors![0].extensions.code).to.equal('QUERY_TOO_COMPLEX');
    const capped = await a.admin('{ users(first: 100000) { nodes { id } } }');
    expect(capped.errors).to.equal(undefined);
  });

  it('answers syntax errors and bad cursors cleanly, without stack traces or SQL', async () => {
    const bad = await a.admin('{ clients { nodes { ');
    expect(bad.errors).to.have.length.greaterThan(0);
    const cursor = await a.admin('{ clients(after: "garbage") { totalCount } }');
    expect(cursor.errors![0].extensions.code).to.equal('BAD_USER_INPUT');
    expect(JSON.stringify([bad, cursor])).not.to.match(/select |\.ts:\d+|at [A-Z]\w+\./);
  });

  it('a GET whose variables or extensions are not JSON is a bad request (400 BAD_REQUEST), as a POST body that is not JSON (attacker read 19, F5)', async () => {
    for (const bad of ['variables=%7Bbad', 'extensions=%7Bbad', 'variables=', 'variables=%5B1%5D']) {
      const res = await fetch(`${srv.url}/graphql?query=%7B__typename%7D&${bad}`, { headers: { accept: 'application/json' } });
      const body = await res.json();
      expect(res.status, bad).to.equal(400);
      expect(body.errors[0].extensions.code, bad).to.equal('BAD_REQUEST');
      expect(JSON.stringify(body), bad).not.to.match(/SyntaxError|\.ts:\d+|at [A-Z]\w+\./);
    }
    const post = await fetch(`${srv.url}/graphql`, { method: 'POST', headers: { accept: 'application/json', 'content-type': 'application/json' }, body: '{"query": "{ __typename }", "variables": {bad' });
    expect(post.status).to.equal(400);
    // Well-formed variables (or null) go on to the query.
    for (const variables of ['{"n":1}', 'null']) {
      const ok = await fetch(`${srv.url}/graphql?query=${encodeURIComponent('query($n: Int) { __typename }')}&variables=${encodeURIComponent(variables)}`, { headers: { accept: 'application/json' } });
      const body = await ok.json();
      expect(ok.status, variables).to.equal(200);
      expect(body.data ?? body.errors, variables).to.not.equal(undefined);
      expect(JSON.stringify(body), variables).to.not.include('BAD_REQUEST');
    }
  });

  it('a request that is not a GraphQL-over-HTTP request (no query string; a JSON body that is no object) is 400 BAD_REQUEST naming what is missing, and never echoes a parser error (beside attacker read 19, F5; read 25, F4: GET without a query answered 200, POST {} or no body "sent invalid JSON" with a SyntaxError)', async () => {
    const gets = ['', '?query=', '?operationName=x', '?variables=%7B%7D'];
    const posts = ['{}', '[]', '{"query":null}', '{"operationName":"x"}', '{"query":""}'];
    const answers = [
      ...await Promise.all(gets.map((q) => fetch(`${srv.url}/graphql${q}`, { headers: { accept: 'application/json' } }))),
      // No body at all (attacker read 25, F4: the media type is not known without one, and yoga's SyntaxError showed).
      await rawPost(srv.url, '/graphql', 'content-type: application/json\r\naccept: application/json\r\n'),
      ...await Promise.all(posts.map((body) => fetch(`${srv.url}/graphql`, { method: 'POST', headers: { accept: 'application/json', 'content-type': 'application/json' }, body }))),
    ];
    for (const [i, res] of answers.entries()) {
      const sent = [...gets, '(no body)', ...posts][i];
      const body = await res.json();
      expect(res.status, sent).to.equal(400);
      expect(body.errors[0].extensions.code, sent).to.equal('BAD_REQUEST');
      expect(body.errors[0].message, sent).to.match(/query/);
      expect(JSON.stringify(body), sent).not.to.match(/SyntaxError|originalError|invalid JSON/);
    }
    // Media types yoga reads itself (our body parser takes application/json only) still run a query (attacker read 26, F4:
    // judged here, they were refused for want of a parsed body).
    for (const type of ['application/graphql+json', 'application/json; charset=utf-8']) {
      const res = await fetch(`${srv.url}/graphql`, { method: 'POST', headers: { accept: 'application/json', 'content-type': type }, body: '{"query":"{__typename}"}' });
      expect((await res.json()).data, type).to.deep.equal({ __typename: 'Query' });
    }
    // A query still runs, by GET and by POST.
    expect((await (await fetch(`${srv.url}/graphql?query=%7B__typename%7D`, { headers: { accept: 'application/json' } })).json()).data).to.deep.equal({ __typename: 'Query' });
    expect((await (await fetch(`${srv.url}/graphql`, { method: 'POST', headers: { accept: 'application/json', 'content-type': 'application/json' }, body: '{"query":"{__typename}"}' })).json()).data).to.deep.equal({ __typename: 'Query' });
  });

  it('batches: 50 clients with their grants, owners and live tokens in a handful of SQL statements', async () => {
    for (let i = 0; i < 50; i++) {
      const { client, clientSecret } = await srv.app.seed.client({ owner: a.alice, grantTypes: ['password'], redirectUris: [] });
      await postForm(`${srv.url}/o/token/`, { grant_type: 'password', username: 'alice', password: a.alice.password }, { id: client.clientId, secret: clientSecret! });
    }
    const sql = srv.app.stores.sql;
    const before = sql.stats.statements;
    const r = await a.admin('{ clients(first: 60) { totalCount nodes { clientId owner { username } grants { nodes { user { username } liveTokens { kind } } } } } }');
    const used = sql.stats.statements - before;
    expect(r.errors).to.equal(undefined);
    expect(r.data.clients.totalCount).to.equal(51);
    expect(r.data.clients.nodes.filter((c: { grants: { nodes: unknown[] } }) => c.grants.nodes.length === 1)).to.have.length(50);
    // token lookup + user, page + count, owners, grants, grant users, access + refresh tokens: constant, not 50×.
    expect(used).to.be.at.most(10);
  });

  it('subscriptions whose callers go before reading anything end quietly: no uncaught exception, their stream slots come back, the server goes on (CI at 923e17a: a browser leaving the events page crashed the PostgreSQL pass)', async () => {
    let uncaught: unknown;
    const catcher = (e: unknown) => { uncaught = e; };
    process.prependListener('uncaughtException', catcher);
    try {
      for (let i = 0; i < 20; i++) {
        const ac = new AbortController();
        const res = await fetch(`${srv.url}/graphql`, { method: 'POST', signal: ac.signal, headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${a.adminToken}` }, body: JSON.stringify({ query: 'subscription { events { type } }' }) });
        expect(res.headers.get('content-type')).to.match(/text\/event-stream/);
        ac.abort();
        // The stream's slot (EVENT_STREAMS_PER_USER) is given back once the server has seen the caller go.
        await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, 300));
      expect(uncaught, String((uncaught as Error)?.stack)).to.equal(undefined);
      expect((await a.admin('{ viewer { username } }')).data).to.deep.equal({ viewer: { username: 'root' } });
    } finally { process.removeListener('uncaughtException', catcher); }
  });

  it('streams audit events live over server-sent events (subscription)', async () => {
    const admin = await srv.app.seed.client({ owner: a.root, grantTypes: ['password'], allowedScopes: ['read', 'admin'] });
    const adminToken = (await (await postForm(`${srv.url}/o/token/`, { grant_type: 'password', username: 'root', password: a.root.password, scope: 'admin' }, { id: admin.client.clientId, secret: admin.clientSecret! })).json()).access_token;
    const ac = new AbortController();
    const res = await fetch(`${srv.url}/graphql`, { method: 'POST', signal: ac.signal, headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${adminToken}` }, body: JSON.stringify({ query: 'subscription { events(filter: { types: ["token.issued", "token.revoked"] }) { type clientId } }' }) });
    expect(res.headers.get('content-type')).to.match(/text\/event-stream/);
    const reader = res.body!.getReader();
    // Give the subscription a moment to register, then cause an event.
    await new Promise((r) => setTimeout(r, 100));
    await postForm(`${srv.url}/o/token/`, { grant_type: 'password', username: 'alice', password: a.alice.password, scope: 'read' }, { id: admin.client.clientId, secret: admin.clientSecret! });
    let text = '';
    const deadline = Date.now() + 5000;
    while (!text.includes('token.issued') && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    ac.abort();
    const line = text.split('\n').find((l) => l.startsWith('data:') && l.includes('token.issued'))!;
    expect(JSON.parse(line.slice(5)).data.events).to.deep.equal({ type: 'token.issued', clientId: admin.client.clientId });
  });

  it("refuses other users' events to non-admins (their own: test/security/graphql-nested.test.ts)", async () => {
    // A subscription is asked for as an event stream (a plain JSON POST is 406, test/security/admin-attack.test.ts).
    const res = await fetch(`${srv.url}/graphql`, { method: 'POST', signal: AbortSignal.timeout(5000), headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${a.userToken}` }, body: JSON.stringify({ query: `subscription { events(filter: { userId: "${a.root.id}" }) { type } }` }) });
    const line = (await res.text()).split('\n').find((l) => l.startsWith('data:') && l.includes('errors'))!;
    expect(JSON.parse(line.slice(5)).errors[0].extensions.code).to.be.oneOf(['FORBIDDEN', 'BAD_REQUEST']);
  });
});
