// Found by the attacker's read of issue 17: a 5 KB query over a grant's live tokens answered 68 MB and stalled the
// server for 5 s (a plain list had no bound, and scalars were not counted); 60 aliased __schema fields answered
// 1.3 MB each time; a subscription kept streaming after its token was revoked.
import { expect } from 'chai';
import { buildSchema, getNamedType, isLeafType, GraphQLList, GraphQLNonNull, GraphQLObjectType, type GraphQLOutputType } from 'graphql';
import { createTestApp, csrfFrom, type TestServer } from '../helpers.ts';
import { postForm } from '../oauth-helpers.ts';
import { loadTypeDefs } from '../../src/graphql/server.ts';
import { BOUNDED_LISTS } from '../../src/graphql/limits.ts';
import { SCALAR_LISTS } from '../../src/graphql/list-bounds.ts';
import { actors } from '../graphql/gql-helpers.ts';

const isList = (t: GraphQLOutputType): boolean => t instanceof GraphQLList || (t instanceof GraphQLNonNull && t.ofType instanceof GraphQLList);
/** Every field of the SDL's object types, with its type. */
const objectFields = () => Object.values(buildSchema(loadTypeDefs()).getTypeMap())
  .flatMap((type) => (type instanceof GraphQLObjectType && !type.name.startsWith('__') ? Object.values(type.getFields()).map((field) => ({ type, field })) : []));

describe('security: every GraphQL list is bounded, in the cost rule and in its resolver', () => {
  it('every list field of the SDL is a connection page or a bounded list with `first`', () => {
    const unbounded: string[] = [];
    for (const { type, field } of objectFields()) {
      const named = getNamedType(field.type);
      if (named instanceof GraphQLObjectType && named.name.endsWith('Connection') && !field.args.some((a) => a.name === 'first')) unbounded.push(`${type.name}.${field.name} (connection without first)`);
      if (!isList(field.type) || !(named instanceof GraphQLObjectType)) continue;
      const page = type.name.endsWith('Connection') && (field.name === 'edges' || field.name === 'nodes');
      const bounded = field.name in BOUNDED_LISTS && field.args.some((a) => a.name === 'first' && a.defaultValue === BOUNDED_LISTS[field.name]);
      if (!page && !bounded) unbounded.push(`${type.name}.${field.name}`);
    }
    expect(unbounded).to.deep.equal([]);
  });

  // Attacker read 13B, F3: a scalar list counted as one value, so 600 aliases of a client's ~990 redirect URIs
  // answered 59 MB. Each is counted as its bound, which is enforced where the list is written.
  it('every scalar list field of the SDL has a known maximum length in SCALAR_LISTS', () => {
    const unbounded = objectFields().filter(({ field }) => isList(field.type) && isLeafType(getNamedType(field.type)) && !(SCALAR_LISTS[field.name] > 0))
      .map(({ type, field }) => `${type.name}.${field.name}`);
    expect(unbounded).to.deep.equal([]);
  });

  describe('over HTTP', () => {
    let srv: TestServer;
    let a: Awaited<ReturnType<typeof actors>>;
    let token: string;
    before(async () => {
      srv = await createTestApp({ rateLimit: { loginPerUsername: 1_000, loginPerIp: 1_000 } });
      a = await actors(srv);
      const { client, clientSecret } = await srv.app.seed.client({ owner: a.root, grantTypes: ['password'], allowedScopes: ['read', 'write'] });
      const auth = { id: client.clientId, secret: clientSecret! };
      let body = await (await postForm(`${srv.url}/o/token/`, { grant_type: 'password', username: 'alice', password: a.alice.password, scope: 'read' }, auth)).json();
      // Each refresh leaves the previous access token live: 40 live tokens under one grant.
      for (let i = 0; i < 39; i++) body = await (await postForm(`${srv.url}/o/token/`, { grant_type: 'refresh_token', refresh_token: body.refresh_token }, auth)).json();
      token = body.access_token;
    });
    after(() => srv.close());

    const query = async (q: string, bearer = token) => {
      const res = await fetch(`${srv.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify({ query: q }) });
      return { status: res.status, body: await res.json() };
    };

    it('liveTokens returns its first 20 (newest first) unless asked for up to 100', async () => {
      const r = await query('{ grants(first: 10) { nodes { client { name } liveTokens { issuedAt } more: liveTokens(first: 100) { id } } } }');
      const grant = r.body.data.grants.nodes.reduce((x: { more: unknown[] }, y: { more: unknown[] }) => (y.more.length > x.more.length ? y : x));
      expect(grant.liveTokens).to.have.length(20);
      expect(grant.more).to.have.length(41); // 40 access tokens and the refresh token that still works
      const times = grant.liveTokens.map((t: { issuedAt: string }) => Date.parse(t.issuedAt));
      expect(times).to.deep.equal([...times].sort((x: number, y: number) => y - x));
    });

    it('a page of nodes each carrying hundreds of aliased scalars is refused before it runs', async () => {
      const aliases = Array.from({ length: 400 }, (_, i) => `t${i}: issuedAt`).join(' ');
      const r = await query(`fragment F on Token { ${aliases} } { grants(first: 100) { nodes { liveTokens(first: 100) { ...F } } } }`);
      expect(r.status).to.equal(400);
      expect(r.body.errors[0].extensions.code).to.equal('QUERY_TOO_COMPLEX');
      expect(r.body.data).to.equal(undefined);
    });

    // Attacker read 11, F2: __typename counted nothing, so 600 aliased __typename under 48 × 100 nodes (a 9.5 KB
    // query) answered 45.5 MB and held the process for 7 s.
    it('a page of nodes each carrying hundreds of aliased __typename is refused before it runs', async () => {
      const aliases = Array.from({ length: 400 }, (_, i) => `t${i}: __typename`).join(' ');
      const r = await query(`fragment F on Token { ${aliases} } { grants(first: 100) { nodes { liveTokens(first: 100) { ...F } } } }`);
      expect(r.status).to.equal(400);
      expect(r.body.errors[0].extensions.code).to.equal('QUERY_TOO_COMPLEX');
      expect(r.body.data).to.equal(undefined);
    });

    // Attacker read 12, G3: introspection's lists counted one value each, so 600 aliased names under every field of
    // every type (5.9 KB) answered 2.8 MB, 650 descriptions 6.5 MB.
    it('introspection takes no aliases inside __schema or __type, by fragment too; the standard introspection query passes', async () => {
      const names = Array.from({ length: 600 }, (_, i) => `n${i}: name`).join(' ');
      for (const q of [`{ __schema { types { fields { ${names} } } } }`, `fragment F on __Field { ${names} } { __schema { types { fields { ...F } } } }`, '{ __type(name: "Query") { fields { a: name } } }']) {
        const r = await query(q);
        expect(r.status, q.slice(0, 60)).to.equal(400);
        expect(r.body.errors[0].extensions.code).to.equal('QUERY_TOO_COMPLEX');
      }
      const { getIntrospectionQuery } = await import('graphql');
      const full = await query(getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true }));
      expect(full.status).to.equal(200);
      expect(full.body.data.__schema.types.length).to.be.above(10);
    });

    it('introspection counts: one whole __schema is fine, dozens under aliases are refused', async () => {
      const one = await query('{ __schema { types { name fields { name } } } }');
      expect(one.status).to.equal(200);
      const many = await query(`fragment F on __Schema { types { name description fields { name } } } { ${Array.from({ length: 60 }, (_, i) => `a${i}: __schema { ...F }`).join(' ')} }`);
      expect(many.status).to.equal(400);
      expect(many.body.errors[0].extensions.code).to.equal('QUERY_TOO_COMPLEX');
    });

    it('a subscription ends when its token is revoked, and sends nothing after', async () => {
      const { client, clientSecret } = await srv.app.seed.client({ owner: a.root, grantTypes: ['password'], allowedScopes: ['read'] });
      const auth = { id: client.clientId, secret: clientSecret! };
      const watcher = (await (await postForm(`${srv.url}/o/token/`, { grant_type: 'password', username: 'alice', password: a.alice.password, scope: 'read' }, auth)).json()).access_token;
      const ac = new AbortController();
      const res = await fetch(`${srv.url}/graphql`, { method: 'POST', signal: ac.signal, headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${watcher}` }, body: JSON.stringify({ query: 'subscription { events { id type } }' }) });
      const reader = res.body!.getReader();
      await new Promise((r) => setTimeout(r, 400));
      expect((await postForm(`${srv.url}/o/revoke_token/`, { token: watcher }, auth)).status).to.equal(200);
      // alice's activity after the revocation: token.issued events the revoked token must not see.
      for (let i = 0; i < 3; i++) await postForm(`${srv.url}/o/token/`, { grant_type: 'password', username: 'alice', password: a.alice.password, scope: 'read' }, auth);
      let text = '';
      let ended = false;
      const deadline = Date.now() + 8_000;
      while (Date.now() < deadline) {
        const next = await Promise.race([reader.read(), new Promise<null>((r) => setTimeout(() => r(null), deadline - Date.now()))]);
        if (next === null) break;
        if (next.done) { ended = true; break; }
        text += new TextDecoder().decode(next.value);
      }
      ac.abort();
      const parse = (s: string) => { try { return JSON.parse(s); } catch { return null; } };
      const types = text.split('\n').filter((l) => l.startsWith('data:')).map((l) => parse(l.slice(5))?.data?.events?.type).filter(Boolean);
      expect(types, text).not.to.include('token.issued');
      expect(ended, 'the stream was closed').to.equal(true);
    });

    it('a subscription over a browser session ends at logout (third attack round)', async () => {
      const b = await a.aliceBrowser();
      const ac = new AbortController();
      const res = await b.request('/graphql', { method: 'POST', signal: ac.signal, headers: { 'content-type': 'application/json', accept: 'text/event-stream' }, body: JSON.stringify({ query: 'subscription { events { id type } }' }) });
      expect(res.headers.get('content-type')).to.match(/text\/event-stream/);
      const reader = res.body!.getReader();
      await new Promise((r) => setTimeout(r, 400));
      const csrf = csrfFrom(await (await b.get('/o/applications/')).text())!;
      expect((await b.post('/accounts/logout/', { csrfmiddlewaretoken: csrf })).status).to.equal(302);
      const { client, clientSecret } = await srv.app.seed.client({ owner: a.root, grantTypes: ['password'], allowedScopes: ['read'] });
      await new Promise((r) => setTimeout(r, 300));
      for (let i = 0; i < 2; i++) await postForm(`${srv.url}/o/token/`, { grant_type: 'password', username: 'alice', password: a.alice.password, scope: 'read' }, { id: client.clientId, secret: clientSecret! });
      let text = '';
      let ended = false;
      const deadline = Date.now() + 8_000;
      while (Date.now() < deadline) {
        const next = await Promise.race([reader.read(), new Promise<null>((r) => setTimeout(() => r(null), deadline - Date.now()))]);
        if (next === null) break;
        if (next.done) { ended = true; break; }
        text += new TextDecoder().decode(next.value);
      }
      ac.abort();
      expect(text).not.to.include('token.issued');
      expect(ended, 'the stream was closed').to.equal(true);
    });
  });
});
