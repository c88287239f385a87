import { expect } from 'chai';
import { Browser, createTestApp, csrfFrom, type TestServer } from '../helpers.ts';
import { actors } from '../graphql/gql-helpers.ts';
import { postForm } from '../oauth-helpers.ts';

// Issue 21: an attacker's read of the admin console and the GraphQL admin API.
describe('security: admin console and GraphQL admin API under attack (issue 21)', () => {
  let srv: TestServer;
  let alice: Awaited<ReturnType<TestServer['app']['seed']['user']>>;
  let a: Awaited<ReturnType<typeof actors>>;
  const code = (r: { errors?: { extensions?: { code?: string } }[] }) => r.errors?.[0]?.extensions?.code;
  before(async () => {
    srv = await createTestApp();
    a = await actors(srv);
    alice = a.alice;
  });
  after(() => srv.close());

  const browserGql = (b: Browser, query: string, variables: Record<string, unknown> = {}, csrf?: string) => b.request('/graphql', {
    method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json', ...(csrf ? { 'x-csrf-token': csrf } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const graphqlMutation = async (b: Browser, csrf: string) => {
    const id = (await (await browserGql(b, '{ viewer { id } }')).json()).data.viewer.id;
    return browserGql(b, 'mutation($id: ID!, $i: ProfileInput!) { updateProfile(id: $id, input: $i) { user { id } } }', { id, i: { name: 'Alice' } }, csrf);
  };

  describe('#1 the CSRF token rotates at login (Django rotate_token)', () => {
    it('refuses the anonymous form token after login, on GraphQL and on page forms; the new token works', async () => {
      const b = new Browser(srv.url);
      const planted = await b.csrf('/accounts/login/');
      expect((await b.post('/accounts/login/', { csrfmiddlewaretoken: planted, username: 'alice', password: alice.password })).status).to.equal(302);
      const gqlOld = await graphqlMutation(b, planted);
      expect((await gqlOld.json()).errors?.[0]?.extensions?.code).to.equal('FORBIDDEN');
      expect((await b.post('/o/applications/register/', { csrfmiddlewaretoken: planted, name: 'x', grant_types: 'client_credentials' })).status).to.equal(403);
      const fresh = csrfFrom(await (await b.get('/o/applications/register/')).text())!;
      expect(fresh).to.not.equal(planted);
      const gqlNew = await (await graphqlMutation(b, fresh)).json();
      expect(gqlNew.errors, JSON.stringify(gqlNew.errors)).to.equal(undefined);
      // Logging out and in again (another user or the same) rotates it again.
      expect((await b.post('/accounts/logout/', { csrfmiddlewaretoken: fresh })).status).to.equal(302);
      expect((await b.post('/o/applications/register/', { csrfmiddlewaretoken: fresh, name: 'x', grant_types: 'client_credentials' })).status).to.not.equal(200);
      const second = await b.csrf('/accounts/login/');
      expect(second).to.not.equal(fresh);
    });
  });

  describe('#2 the application forms re-render any shape of list field (400, never 500)', () => {
    let b: Browser;
    let csrf: string;
    let appId: number;
    before(async () => {
      b = new Browser(srv.url);
      await b.login('alice', alice.password);
      csrf = csrfFrom(await (await b.get('/o/applications/register/')).text())!;
      appId = (await srv.app.seed.client({ owner: alice, name: 'Mine' })).client.id;
    });

    it('answers 400 with a form error to form-encoded nested keys', async () => {
      for (const path of ['/o/applications/register/', `/o/applications/${appId}/update/`]) {
        const res = await b.request(path, { method: 'POST', headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }, body: `csrfmiddlewaretoken=${csrf}&name=x&grant_types[a]=authorization_code&redirect_uris[b]=x&allowed_scopes[c]=read&response_types[d]=code` });
        expect(res.status, path).to.equal(400);
        expect(await res.text(), path).to.match(/role="alert"/);
      }
    });

    it('answers 400 with a form error to JSON lists of non-strings', async () => {
      const shapes: unknown[] = [[1], [null], { x: 1 }, [{ a: 1 }], [['authorization_code']], 7, true];
      for (const path of ['/o/applications/register/', `/o/applications/${appId}/update/`]) {
        for (const shape of shapes) {
          for (const field of ['grant_types', 'response_types', 'allowed_scopes', 'redirect_uris', 'name', 'client_type']) {
            const res = await b.request(path, { method: 'POST', headers: { accept: 'text/html', 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify({ csrfmiddlewaretoken: csrf, name: 'x', grant_types: ['authorization_code'], redirect_uris: 'https://a.example/cb', [field]: shape }) });
            expect(res.status, `${path} ${field}=${JSON.stringify(shape)}`).to.equal(400);
            expect(await res.text()).to.match(/role="alert"/);
          }
        }
      }
    });
  });

  describe('#3 concurrent createUser with one username', () => {
    const create = (username: string) => a.admin('mutation($i: CreateUserInput!) { createUser(input: $i) { user { username } } }', { i: { username, password: 'a long enough passphrase 42' } });

    it('creates one user and answers every other call BAD_USER_INPUT, never INTERNAL_SERVER_ERROR', async () => {
      const results = await Promise.all(Array.from({ length: 50 }, () => create('racer')));
      const codes = results.map((r) => code(r) ?? 'ok');
      expect(codes.filter((c) => c === 'ok')).to.have.length(1);
      expect(codes.filter((c) => c === 'BAD_USER_INPUT')).to.have.length(49);
      for (const r of results.filter((r) => r.errors)) expect(r.errors![0].extensions.fields ?? r.errors![0].extensions).to.not.equal(undefined);
    });

    it('answers concurrent resource servers with one identifier the same way (one helper)', async () => {
      const results = await Promise.all(Array.from({ length: 20 }, () => a.admin('mutation($i: ResourceServerInput!) { createResourceServer(input: $i) { identifier } }', { i: { identifier: 'https://race.example/', name: 'Race', scopes: ['read'] } })));
      const codes = results.map((r) => code(r) ?? 'ok');
      expect(codes.filter((c) => c === 'ok')).to.have.length(1);
      expect(codes.filter((c) => c === 'BAD_USER_INPUT')).to.have.length(19);
    });

    it('refuses a new username that differs from an existing one only by case', async () => {
      expect(code(await create('Racer3'))).to.equal(undefined);
      expect(code(await create('racer3'))).to.equal('BAD_USER_INPUT');
      expect(code(await create('RACER3'))).to.equal('BAD_USER_INPUT');
    });
  });

  describe('#4 concurrent rotateClientSecret', () => {
    // Rotations that the database runs one after the other are each real (the last one's secret is the one that works);
    // what must never happen is a success whose secret was never stored. Under PostgreSQL the eight overlap and all
    // but one or a few lose the compare-and-set; on in-memory SQLite they run one by one and each wins in turn.
    it('answers 8 concurrent rotations with successes that were each stored, or CONFLICT; exactly one secret works', async () => {
      const { client } = await srv.app.seed.client({ owner: alice, name: 'Rotated', grantTypes: ['client_credentials'], redirectUris: [], allowedScopes: ['read'] });
      const results = await Promise.all(Array.from({ length: 8 }, () => a.user('mutation($id: ID!) { rotateClientSecret(id: $id) { clientSecret } }', { id: String(client.id) })));
      const won = results.filter((r) => !r.errors).map((r) => r.data.rotateClientSecret.clientSecret as string);
      expect(won.length).to.be.at.least(1);
      for (const r of results.filter((r) => r.errors)) {
        expect(code(r)).to.equal('CONFLICT');
        expect(r.data ?? null).to.equal(null);
      }
      const works = [];
      for (const secret of won) if ((await postForm(`${srv.url}/o/token/`, { grant_type: 'client_credentials' }, { id: client.clientId, secret })).status === 200) works.push(secret);
      expect(works).to.have.length(1);
      // Each success was a write of its own (audited once): no success reports a secret that was overwritten unseen.
      const rows = await srv.app.orm.em.fork().getConnection().execute("select count(*) as n from events where type = 'client.secret_rotated' and client_id = ?", [client.clientId]);
      expect(Number(rows[0].n)).to.equal(won.length);
      expect((await a.user('mutation($id: ID!) { rotateClientSecret(id: $id) { clientSecret } }', { id: String(client.id) })).errors).to.equal(undefined);
    });

    it('lets only one of rotations that read the same secret win (compare-and-set in the store)', async () => {
      const { client } = await srv.app.seed.client({ owner: alice, name: 'Rotated twice', grantTypes: ['client_credentials'], redirectUris: [], allowedScopes: ['read'] });
      const stored = (await srv.app.withContext(() => srv.app.stores.clients.findById(client.id)))!;
      const { rotateClientSecret, SecretRotationRace } = await import('../../src/oauth2/clients.ts');
      const deps = srv.app.clientDeps;
      const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => srv.app.withContext(() => rotateClientSecret(stored, deps))));
      const won = outcomes.filter((o) => o.status === 'fulfilled') as PromiseFulfilledResult<string>[];
      expect(won).to.have.length(1);
      for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).to.be.instanceOf(SecretRotationRace);
      expect((await postForm(`${srv.url}/o/token/`, { grant_type: 'client_credentials' }, { id: client.clientId, secret: won[0].value })).status).to.equal(200);
    });
  });

  describe("#6 a third-party app's read token does not read the user's applications or audit log", () => {
    const queries = {
      viewerClients: '{ viewer { clients { totalCount nodes { id redirectUris recentFailures { reason } } } } }',
      clients: '{ clients { totalCount nodes { id redirectUris } } }',
      events: '{ events { totalCount nodes { id ip type } } }',
    };
    before(async () => {
      await srv.app.seed.client({ owner: alice, name: 'Alice private app', redirectUris: ['https://private.example/cb'] });
      await a.aliceBrowser(); // a login: an event with her IP
    });

    it('answers a read token with empty lists (totalCount 0), an applications token with her own', async () => {
      const read = { c: await a.userReadOnly(queries.viewerClients), r: await a.userReadOnly(queries.clients), e: await a.userReadOnly(queries.events) };
      for (const r of Object.values(read)) expect(r.errors, JSON.stringify(r.errors)).to.equal(undefined);
      expect(read.c.data.viewer.clients).to.deep.equal({ totalCount: 0, nodes: [] });
      expect(read.r.data.clients).to.deep.equal({ totalCount: 0, nodes: [] });
      expect(read.e.data.events).to.deep.equal({ totalCount: 0, nodes: [] });
      // A client reached through it by id is not shown either.
      const mine = (await a.user(queries.clients)).data.clients;
      expect(mine.totalCount).to.be.at.least(1);
      expect(mine.nodes.some((n: { redirectUris: string[] }) => n.redirectUris.includes('https://private.example/cb'))).to.equal(true);
      expect((await a.userReadOnly('query($id: ID!) { client(id: $id) { redirectUris } }', { id: mine.nodes[0].id })).data.client).to.equal(null);
      expect((await a.user(queries.viewerClients)).data.viewer.clients.totalCount).to.equal(mine.totalCount);
      const events = (await a.user(queries.events)).data.events;
      expect(events.totalCount).to.be.at.least(1);
      expect(events.nodes.some((n: { type: string; ip: string | null }) => n.type === 'login.succeeded' && n.ip)).to.equal(true);
    });

    it('leaves her browser session (the console) as it was', async () => {
      const b = await a.aliceBrowser();
      const res = await (await b.request('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ query: queries.events }) })).json();
      expect(res.data.events.totalCount).to.be.at.least(1);
    });
  });

  describe('#5 subscriptions: only as event streams, a few per user', () => {
    const SUB = JSON.stringify({ query: 'subscription { events { id type } }' });
    let console_: { id: string; secret: string };
    const token = async () => (await (await postForm(`${srv.url}/o/token/`, { grant_type: 'password', username: 'alice', password: alice.password, scope: 'read' }, console_)).json()).access_token as string;
    before(async () => {
      const c = await srv.app.seed.client({ owner: a.root, name: 'Streams console', grantTypes: ['password'], allowedScopes: ['read'] });
      console_ = { id: c.client.clientId, secret: c.clientSecret! };
    });
    const open = (bearer: string, signal: AbortSignal, accept = 'text/event-stream') => fetch(`${srv.url}/graphql`, { method: 'POST', signal, headers: { 'content-type': 'application/json', accept, authorization: `Bearer ${bearer}` }, body: SUB });

    it('answers a subscription posted as plain JSON at once with 406, not a hang', async () => {
      const bearer = await token();
      for (const accept of ['application/json', '*/*', '']) {
        const res = await open(bearer, AbortSignal.timeout(3000), accept);
        expect(res.status, accept).to.equal(406);
        expect((await res.json()).errors[0].extensions.code).to.equal('NOT_ACCEPTABLE');
      }
    });

    it('holds EVENT_STREAMS_PER_USER (5) streams per user open, refuses the next with 429, and a closed one frees its slot', async () => {
      const bearer = await token();
      const other = await token(); // another token of the same user: the same budget
      const controllers = Array.from({ length: 7 }, () => new AbortController());
      try {
        for (let i = 0; i < 5; i++) {
          const res = await open(i % 2 ? other : bearer, controllers[i].signal);
          expect(res.status, `stream ${i}`).to.equal(200);
          expect(res.headers.get('content-type')).to.match(/text\/event-stream/);
        }
        const refused = await open(bearer, AbortSignal.timeout(3000));
        expect(refused.status).to.equal(429);
        const body = await refused.json();
        expect(body.errors[0].extensions.code).to.equal('TOO_MANY_STREAMS');
        // The administrator is another user, with a budget of their own.
        const adminStream = await open(a.adminToken, controllers[6].signal);
        expect(adminStream.status).to.equal(200);
        controllers[0].abort();
        const deadline = Date.now() + 5000;
        let again: Response;
        do {
          await new Promise((r) => setTimeout(r, 100));
          again = await open(bearer, controllers[5].signal);
          if (again.status === 429) await again.body?.cancel();
        } while (again.status === 429 && Date.now() < deadline);
        expect(again.status).to.equal(200);
      } finally {
        for (const c of controllers) c.abort();
      }
    });
  });
});
