import { expect } from 'chai';
import {
  buildSchema, getNamedType, isEnumType, isInputObjectType, isLeafType, isListType, isNonNullType, isObjectType,
  type GraphQLArgument, type GraphQLInputType, type GraphQLObjectType, type GraphQLSchema,
} from 'graphql';
import { loadTypeDefs } from '../../src/graphql/server.ts';
import { Browser, createTestApp, type TestServer } from '../helpers.ts';
import { authorizeThroughConsent, pkcePair, postForm } from '../oauth-helpers.ts';

// Issue 17 #3: authorization must hold on every path of the schema, not only at the root fields. The queries below
// are generated from the SDL: every field of every type reachable from Query (and every mutation, with other users'
// ids), so a field added tomorrow is walked too. A non-admin (alice) asks, by token and by browser session, over a
// database where bob and an admin own clients, grants and tokens, some of them on alice's applications; nothing of
// theirs may come back except the public face (id, clientId, name) of an application alice authorized.

const NODE_DEPTH = 6;       // object levels below a root field (connection, edge and node each count one)
const PAGE = 3;             // `first` on every list: keeps each generated query within the cost limit
const PUBLIC_CLIENT_FIELDS = new Set(['__typename', 'id', 'clientId', 'name', 'grants']);
const PAGE_ARGS = new Set(['first', 'after']);

/** Object types the generated selections reached (the test checks it is every type reachable from the roots). */
const covered = new Set<string>();

/**
 * A selection of every field of `type`, `depth` object levels deep, with __typename everywhere; `skip`: a field of
 * this level left out (a root connection is walked once by its edges, once by its nodes).
 */
function selectAll(schema: GraphQLSchema, type: GraphQLObjectType, depth: number, skip?: string): string {
  covered.add(type.name);
  const parts = ['__typename'];
  // A connection's `nodes` are its edges' nodes (src/graphql/connection.ts): below the root, walking the edges is
  // enough, and keeps the queries within MAX_FIELDS as node types gain fields.
  const nested = depth < NODE_DEPTH && 'edges' in type.getFields();
  for (const field of Object.values(type.getFields())) {
    if ((nested && field.name === 'nodes') || field.name === skip) continue;
    const named = getNamedType(field.type);
    const args = field.args.some((a) => a.name === 'first') ? `(first: ${PAGE})` : '';
    if (isLeafType(named)) parts.push(field.name);
    else if (depth > 0 && isObjectType(named)) parts.push(`${field.name}${args} { ${selectAll(schema, named, depth - 1)} }`);
  }
  return parts.join(' ');
}

/** A GraphQL literal for `value` typed `type` (ids and strings quoted, enums bare). */
const literal = (type: GraphQLInputType, value: unknown): string => {
  const named = getNamedType(type);
  if (isListType(isNonNullType(type) ? type.ofType : type)) return `[${literal(named as GraphQLInputType, value)}]`;
  return isEnumType(named) || typeof value !== 'string' ? String(value) : JSON.stringify(value);
};

/** Minimal values for required arguments that are not probed (a name, a list of one enum value, …). */
function filler(type: GraphQLInputType): string {
  const named = getNamedType(type);
  const inner = isNonNullType(type) ? type.ofType : type;
  if (isListType(inner)) return `[${filler(inner.ofType)}]`;
  if (isEnumType(named)) return named.getValues()[0].name;
  if (isInputObjectType(named)) {
    const required = Object.values(named.getFields()).filter((f) => isNonNullType(f.type) && f.defaultValue === undefined);
    return `{ ${required.map((f) => `${f.name}: ${filler(f.type)}`).join(', ')} }`;
  }
  return named.name === 'Int' ? '1' : named.name === 'Boolean' ? 'false' : '"probe-value"';
}

/**
 * Argument lists for a field: its defaults, then each probe-able argument (ID, String, enum, also inside input
 * objects) set in turn to each value of `pool` (other users' ids and client_ids) or each enum value.
 */
function argumentVariants(args: readonly GraphQLArgument[], pool: string[]): string[] {
  const required = args.filter((a) => isNonNullType(a.type) && a.defaultValue === undefined);
  const base = (except: string) => required.filter((a) => a.name !== except).map((a) => `${a.name}: ${filler(a.type)}`);
  const variants = required.length ? [] : [''];
  const valuesFor = (type: GraphQLInputType): string[] => {
    const named = getNamedType(type);
    if (isEnumType(named)) return named.getValues().map((v) => v.name);
    if (named.name === 'ID' || named.name === 'String') return pool.map((p) => literal(type, p));
    return [];
  };
  for (const arg of args) {
    if (PAGE_ARGS.has(arg.name)) continue;
    const named = getNamedType(arg.type);
    if (isInputObjectType(named)) {
      const fields = Object.values(named.getFields());
      const must = fields.filter((f) => isNonNullType(f.type) && f.defaultValue === undefined);
      for (const f of fields) {
        for (const value of valuesFor(f.type)) {
          const inner = [...must.filter((m) => m.name !== f.name).map((m) => `${m.name}: ${filler(m.type)}`), `${f.name}: ${value}`];
          variants.push([...base(arg.name), `${arg.name}: { ${inner.join(', ')} }`].join(', '));
        }
      }
    } else {
      for (const value of valuesFor(arg.type)) variants.push([...base(arg.name), `${arg.name}: ${value}`].join(', '));
    }
  }
  const paged = args.some((a) => a.name === 'first') ? [`first: ${PAGE}`] : [];
  return variants.map((v) => [...paged, ...(v ? [v] : [])].join(', ')).map((v) => (v ? `(${v})` : ''));
}

/** Every root query (or mutation) the schema has, with every argument variant and a full selection below. */
function generate(schema: GraphQLSchema, root: GraphQLObjectType, pool: string[], operation: 'query' | 'mutation'): string[] {
  const out: string[] = [];
  for (const field of Object.values(root.getFields())) {
    const named = getNamedType(field.type);
    // A root connection's edges and nodes are the same objects: both at once, a page of grants (each client's scalar
    // lists counted as their bounds, attacker read 13B) could answer more values than MAX_VALUES allows.
    const skips = isObjectType(named) && 'edges' in named.getFields() && 'nodes' in named.getFields() ? ['nodes', 'edges'] : [undefined];
    const selections = isObjectType(named) ? skips.map((skip) => ` { ${selectAll(schema, named, NODE_DEPTH, skip)} }`) : [''];
    const variants = argumentVariants(field.args, pool);
    for (const args of operation === 'mutation' ? variants.filter((v) => v && v !== `(first: ${PAGE})`) : variants) {
      for (const selection of selections) out.push(`${operation} { ${field.name}${args}${selection} }`);
    }
  }
  return out;
}

interface Seeded {
  /** `token` has the read scope; `manager` read, write and applications (it may manage alice's own clients). */
  alice: { id: number; username: string; password: string; token: string; manager: string };
  aliceClients: Set<string>;
  authorizedByAlice: Set<string>;
  aliceGrants: Set<string>;
  aliceTokens: Set<string>;
  foreign: { userIds: Set<string>; strings: string[]; tokenIds: Set<string> };
  pool: string[];
}

describe('security: GraphQL authorization on every path (issue 17 #3, schema-driven walk)', function () {
  this.timeout(180_000);
  let srv: TestServer;
  let seeded: Seeded;
  let schema: GraphQLSchema;
  let passwordToken: (u: { username: string; password: string }, scope: string) => Promise<string>;
  let bobUser: { username: string; password: string };

  const call = async (init: { token?: string; browser?: Browser }, query: string) => {
    const request = { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json', ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) }, body: JSON.stringify({ query }) };
    const res = init.browser ? await init.browser.request('/graphql', request) : await fetch(`${srv.url}/graphql`, request);
    return { status: res.status, body: await res.json() as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] } };
  };

  before(async () => {
    schema = buildSchema(loadTypeDefs());
    srv = await createTestApp({ rateLimit: { clientAuthFailures: 1_000_000, loginPerIp: 1_000_000, loginPerUsername: 1_000_000 } });
    const { seed } = srv.app;
    const root = await seed.user({ username: 'root-admin', email: 'root@admin.example', isAdmin: true });
    const alice = await seed.user({ username: 'alice', email: 'alice@alice.example' });
    const bob = await seed.user({ username: 'bob-foreign', email: 'bob@bob.example' });
    const console_ = await seed.client({ owner: root, name: 'Admin console', grantTypes: ['password'], allowedScopes: ['read', 'write', 'admin', 'applications'] });
    const app = async (owner: typeof root, name: string, host: string) => seed.client({ owner, name, grantTypes: ['authorization_code', 'client_credentials'], redirectUris: [`https://${host}/cb`], allowedScopes: ['read', 'write'] });
    const aliceApp = await app(alice, 'Alice app', 'alice.example');
    const bobApp = await app(bob, 'Bob app', 'bob-redirect.example');
    const rootApp = await app(root, 'Root app', 'root-redirect.example');

    const browsers = new Map<string, Browser>();
    for (const u of [root, alice, bob]) { const b = new Browser(srv.url); await b.login(u.username, u.password); browsers.set(u.username, b); }
    const consent = async (u: typeof root, c: typeof aliceApp, host: string) => {
      const { verifier, challenge } = pkcePair();
      const loc = await authorizeThroughConsent(browsers.get(u.username)!, { response_type: 'code', client_id: c.client.clientId, redirect_uri: `https://${host}/cb`, scope: 'read write', code_challenge: challenge, code_challenge_method: 'S256' });
      const res = await postForm(`${srv.url}/o/token/`, { grant_type: 'authorization_code', code: loc.searchParams.get('code')!, code_verifier: verifier, redirect_uri: `https://${host}/cb` }, { id: c.client.clientId, secret: c.clientSecret! });
      expect(res.status).to.equal(200);
    };
    // Everyone authorizes everyone's applications: each client has grants and tokens of all three users.
    for (const u of [root, alice, bob]) {
      await consent(u, aliceApp, 'alice.example');
      await consent(u, bobApp, 'bob-redirect.example');
      await consent(u, rootApp, 'root-redirect.example');
    }
    for (const c of [aliceApp, bobApp, rootApp]) {
      expect((await postForm(`${srv.url}/o/token/`, { grant_type: 'client_credentials' }, { id: c.client.clientId, secret: c.clientSecret! })).status).to.equal(200);
    }
    passwordToken = async (u: { username: string; password: string }, scope: string) => (await (await postForm(`${srv.url}/o/token/`, { grant_type: 'password', username: u.username, password: u.password, scope }, { id: console_.client.clientId, secret: console_.clientSecret! })).json()).access_token as string;
    await passwordToken(root, 'admin');
    await passwordToken(bob, 'read write');
    bobUser = bob;
    const aliceToken = await passwordToken(alice, 'read');
    const aliceManager = await passwordToken(alice, 'read write applications');

    // The truth, read from the database the same way for every table.
    const conn = srv.app.orm.em.fork().getConnection();
    // Bob's profile claims are foreign values too.
    const bobProfile = { name: 'Bob Profile-Name', phone_number: '+15550001234', address: { locality: 'Bobtown-foreign' } };
    await conn.execute('update users set profile = ? where id = ?', [JSON.stringify(bobProfile), bob.id]);
    const rows = async (table: string) => await conn.execute(`select * from ${table} order by id`) as Record<string, unknown>[];
    const clients = await rows('applications');
    const grants = await rows('grants');
    const tokens = [...(await rows('access_tokens')).map((r) => ({ ...r, tid: `access:${r.id}` })), ...(await rows('refresh_tokens')).map((r) => ({ ...r, tid: `refresh:${r.id}` }))];
    const users = await rows('users');
    const mine = (r: Record<string, unknown>) => Number(r.user_id) === alice.id && r.user_id !== null;
    const foreignUsers = users.filter((u) => Number(u.id) !== alice.id);
    const foreignClients = clients.filter((c) => Number(c.owner_id) !== alice.id);
    seeded = {
      alice: { ...alice, token: aliceToken, manager: aliceManager },
      aliceClients: new Set(clients.filter((c) => Number(c.owner_id) === alice.id).map((c) => String(c.id))),
      authorizedByAlice: new Set(grants.filter(mine).map((g) => String(g.application_id))),
      aliceGrants: new Set(grants.filter(mine).map((g) => String(g.id))),
      aliceTokens: new Set(tokens.filter(mine).map((t) => t.tid)),
      foreign: {
        userIds: new Set(foreignUsers.map((u) => String(u.id))),
        tokenIds: new Set(tokens.filter((t) => !mine(t)).map((t) => t.tid)),
        strings: [
          ...foreignUsers.flatMap((u) => [String(u.username), String(u.email)]),
          ...foreignClients.map((c) => String(c.redirect_uris)),
          bobProfile.name, bobProfile.phone_number, bobProfile.address.locality,
        ],
      },
      pool: [...new Set([
        ...foreignUsers.map((u) => String(u.id)), ...foreignClients.flatMap((c) => [String(c.id), String(c.client_id)]),
        ...grants.filter((g) => !mine(g)).map((g) => String(g.id)), ...tokens.filter((t) => !mine(t)).map((t) => t.tid),
      ])],
    };
    expect(seeded.aliceGrants.size).to.be.at.least(3);
    expect(seeded.foreign.tokenIds.size).to.be.greaterThan(10);
  });
  after(() => srv?.close());

  /** What the walks saw of alice's own data and of the faces of applications she authorized (not a vacuous pass). */
  const seen = new Set<string>();

  /** Every object in an answer, checked by its __typename against what alice may see. */
  function leaks(data: unknown): string[] {
    const found: string[] = [];
    const visit = (value: unknown, path: string): void => {
      if (Array.isArray(value)) { value.forEach((v, i) => visit(v, `${path}.${i}`)); return; }
      if (value === null || typeof value !== 'object') return;
      const o = value as Record<string, unknown>;
      const id = String(o.id);
      seen.add(o.__typename === 'Client' && !seeded.aliceClients.has(id) ? 'Client face' : String(o.__typename));
      // One of her own applications with an owner-only field filled in: seen whole, not as its public face.
      if (o.__typename === 'Client' && seeded.aliceClients.has(id) && Object.entries(o).some(([k, v]) => !PUBLIC_CLIENT_FIELDS.has(k) && v !== null && !(Array.isArray(v) && !v.length))) seen.add('Client whole');
      switch (o.__typename) {
        case 'User': if (o.id !== undefined && id !== String(seeded.alice.id)) found.push(`${path}: User ${id}`); break;
        case 'Grant': if (o.id !== undefined && !seeded.aliceGrants.has(id)) found.push(`${path}: Grant ${id}`); break;
        case 'Token': if (o.id !== undefined && !seeded.aliceTokens.has(id)) found.push(`${path}: Token ${id}`); break;
        case 'SigningKey': found.push(`${path}: SigningKey ${String(o.kid)}`); break;
        case 'Event': if (o.userId !== undefined && String(o.userId) !== String(seeded.alice.id)) found.push(`${path}: Event of user ${String(o.userId)}`); break;
        case 'Client':
          if (seeded.aliceClients.has(id)) break;
          if (!seeded.authorizedByAlice.has(id)) { found.push(`${path}: Client ${id}`); break; }
          for (const [k, v] of Object.entries(o)) if (!PUBLIC_CLIENT_FIELDS.has(k) && v !== null) found.push(`${path}.${k}: owner-only field of Client ${id}`);
          break;
      }
      for (const [k, v] of Object.entries(o)) visit(v, `${path}.${k}`);
    };
    visit(data, 'data');
    const text = JSON.stringify(data ?? null);
    for (const s of seeded.foreign.strings) if (text.includes(s)) found.push(`foreign value ${s}`);
    for (const t of seeded.foreign.tokenIds) if (text.includes(`"${t}"`)) found.push(`foreign token id ${t}`);
    return found;
  }

  const ALLOWED_ERRORS = new Set(['FORBIDDEN', 'NOT_FOUND', 'BAD_USER_INPUT']);

  async function walk(as: { token?: string; browser?: Browser }, queries: string[]) {
    const problems: string[] = [];
    let answered = 0;
    for (const q of queries) {
      const { status, body } = await call(as, q);
      for (const e of body.errors ?? []) {
        if (!ALLOWED_ERRORS.has(e.extensions?.code ?? '')) problems.push(`${q.slice(0, 120)}… → ${e.extensions?.code}: ${e.message}`);
      }
      if (status >= 500) problems.push(`${q.slice(0, 120)}… → HTTP ${status}`);
      if (body.data) answered++;
      for (const leak of leaks(body.data)) problems.push(`${q.slice(0, 160)}… → ${leak}`);
    }
    expect(problems.slice(0, 25), `${problems.length} problems`).to.deep.equal([]);
    return answered;
  }

  it('generates a query for every field reachable from Query, within the depth and cost limits', async () => {
    const queries = generate(schema, schema.getQueryType()!, seeded.pool, 'query');
    for (const name of Object.keys(schema.getQueryType()!.getFields())) expect(queries.some((q) => q.startsWith(`query { ${name}`)), name).to.equal(true);
    // Every object type reachable from Query is selected somewhere: a new type is walked without editing this test.
    const reachable = new Set<string>();
    const reach = (t: GraphQLObjectType) => {
      if (reachable.has(t.name)) return;
      reachable.add(t.name);
      for (const f of Object.values(t.getFields())) { const n = getNamedType(f.type); if (isObjectType(n)) reach(n); }
    };
    for (const f of Object.values(schema.getQueryType()!.getFields())) { const n = getNamedType(f.type); if (isObjectType(n)) reach(n); }
    expect([...reachable].filter((t) => !covered.has(t))).to.deep.equal([]);
    for (const q of queries) expect(q.length).to.be.lessThan(100_000);
  });

  it('a read token of a non-admin sees nothing of other users, through every nested field', async () => {
    seen.clear();
    const answered = await walk({ token: seeded.alice.token }, generate(schema, schema.getQueryType()!, seeded.pool, 'query'));
    expect(answered).to.be.greaterThan(20);
    for (const type of ['User', 'Client face', 'Grant', 'Token', 'ClientConnection', 'PageInfo']) expect(seen, type).to.include(type);
    // Her own applications (whole) and her audit log need the applications scope (issue 21 #6).
    for (const type of ['Client whole', 'Event']) expect(seen, type).to.not.include(type);
  });

  it('a non-admin token with the applications scope sees her own applications and events, nothing of other users', async () => {
    seen.clear();
    await walk({ token: seeded.alice.manager }, generate(schema, schema.getQueryType()!, seeded.pool, 'query'));
    for (const type of ['User', 'Client whole', 'Client face', 'Grant', 'Token', 'Event']) expect(seen, type).to.include(type);
  });

  it("a non-admin's browser session sees nothing of other users, through every nested field", async () => {
    const browser = new Browser(srv.url);
    await browser.login(seeded.alice.username, seeded.alice.password);
    await walk({ browser }, generate(schema, schema.getQueryType()!, seeded.pool, 'query'));
  });

  it('the live event stream shows a non-admin only their own events', async () => {
    const ac = new AbortController();
    const res = await fetch(`${srv.url}/graphql`, { method: 'POST', signal: ac.signal, headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${seeded.alice.manager}` }, body: JSON.stringify({ query: 'subscription { events { __typename id type userId clientId detail } }' }) });
    expect(res.headers.get('content-type')).to.match(/text\/event-stream/);
    const reader = res.body!.getReader();
    await new Promise((r) => setTimeout(r, 100));
    await passwordToken(bobUser, 'read');          // bob's token.issued: not for alice
    await passwordToken(seeded.alice, 'read');     // alice's: shown
    let text = '';
    const deadline = Date.now() + 10_000;
    while (!text.includes(`"userId":"${seeded.alice.id}"`) && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    ac.abort();
    const events = text.split('\n').filter((l) => l.startsWith('data:')).map((l) => JSON.parse(l.slice(5)).data?.events).filter(Boolean);
    expect(events.length).to.be.at.least(1);
    expect(events.map((e: { userId: string }) => e.userId)).to.deep.equal(events.map(() => String(seeded.alice.id)));
    expect(leaks(events)).to.deep.equal([]);
  });

  it("every mutation aimed at other users' ids fails without data and changes nothing", async () => {
    const conn = srv.app.orm.em.fork().getConnection();
    const snapshot = async () => JSON.stringify(await Promise.all(['users', 'applications', 'grants', 'access_tokens', 'refresh_tokens'].map((t) => conn.execute(`select * from ${t} order by id`))));
    const before = await snapshot();
    // Ids are numbers per table: a probe must not happen to be one of alice's own ids of another type.
    const own = new Set([String(seeded.alice.id), ...seeded.aliceClients, ...seeded.aliceGrants, ...seeded.aliceTokens]);
    const mutations = generate(schema, schema.getMutationType()!, seeded.pool.filter((p) => !own.has(p)), 'mutation').filter((m) => !/registerClient|createUser/.test(m));
    for (const m of mutations) {
      const { body } = await call({ token: seeded.alice.manager }, m);
      expect(body.data ?? null, m.slice(0, 160)).to.equal(null);
      expect(leaks(body.data)).to.deep.equal([]);
    }
    expect(await snapshot()).to.equal(before);
  });
});
