import { expect } from 'chai';
import { createTestApp, csrfFrom, type TestServer } from '../helpers.ts';
import { actors, CLIENT_INPUT, gql } from './gql-helpers.ts';

describe('GraphQL admin API: authorization matrix (anonymous, user, admin)', () => {
  let srv: TestServer;
  let a: Awaited<ReturnType<typeof actors>>;
  let aliceClientId: string;
  let rootClientId: string;
  before(async () => {
    srv = await createTestApp();
    a = await actors(srv);
    aliceClientId = (await a.user('mutation($i: ClientInput!) { registerClient(input: $i) { client { id } } }', { i: CLIENT_INPUT })).data.registerClient.client.id;
    rootClientId = String(a.console.id);
  });
  after(() => srv.close());

  const code = (r: { errors?: { extensions: { code: string } }[] }) => r.errors?.[0]?.extensions.code;

  it('gives anonymous callers UNAUTHENTICATED and no data, for queries and mutations', async () => {
    for (const q of ['{ viewer { id } }', '{ clients { totalCount } }', '{ users { totalCount } }', '{ events { totalCount } }', `mutation { deleteClient(id: "${aliceClientId}") { deletedId } }`]) {
      const r = await a.anonymous(q);
      expect(code(r), q).to.equal('UNAUTHENTICATED');
      expect(r.data).to.equal(null);
    }
  });

  it('refuses an invalid bearer token with UNAUTHENTICATED', async () => {
    const r = await (await fetch(`${srv.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer nope' }, body: '{"query":"{ viewer { id } }"}' })).json();
    expect(r.errors[0].extensions.code).to.equal('UNAUTHENTICATED');
  });

  it('shows a user only their own clients, grants and tokens; admin-only lists are FORBIDDEN', async () => {
    const mine = await a.user('{ clients { nodes { id } } }');
    expect(mine.data.clients.nodes.map((c: { id: string }) => c.id)).to.deep.equal([aliceClientId]);
    expect((await a.user('query($id: ID) { client(id: $id) { id } }', { id: rootClientId })).data.client).to.equal(null);
    expect(code(await a.user('{ users { totalCount } }'))).to.equal('FORBIDDEN');
    expect(code(await a.user(`{ events(filter: { userId: "${a.root.id}" }) { totalCount } }`))).to.equal('FORBIDDEN');
    expect(code(await a.user(`{ grants(userId: "${a.root.id}") { totalCount } }`))).to.equal('FORBIDDEN');
    expect(code(await a.user(`{ tokens(filter: { userId: "${a.root.id}" }) { totalCount } }`))).to.equal('FORBIDDEN');
  });

  it("refuses a user's mutations on someone else's things (NOT_FOUND/FORBIDDEN) and admin-only mutations", async () => {
    expect(code(await a.user(`mutation { rotateClientSecret(id: "${rootClientId}") { clientSecret } }`))).to.equal('NOT_FOUND');
    expect(code(await a.user(`mutation { deleteClient(id: "${rootClientId}") { deletedId } }`))).to.equal('NOT_FOUND');
    expect(code(await a.user(`mutation { revokeAllForUser(userId: "${a.root.id}") { revokedTokens } }`))).to.equal('FORBIDDEN');
    expect(code(await a.user('mutation { createUser(input: { username: "x", password: "xxxxxxxxxx" }) { user { id } } }'))).to.equal('FORBIDDEN');
    expect(code(await a.user(`mutation { setUserActive(id: "${a.root.id}", active: false) { user { id } } }`))).to.equal('FORBIDDEN');
  });

  it('needs the write scope for a user token to mutate', async () => {
    expect(code(await a.userReadOnly('mutation($i: ClientInput!) { registerClient(input: $i) { clientSecret } }', { i: CLIENT_INPUT }))).to.equal('FORBIDDEN');
    // Her own applications need the applications scope too (issue 21 #6): a read token sees none.
    expect((await a.userReadOnly('{ clients { totalCount } }')).data.clients.totalCount).to.equal(0);
    expect((await a.user('{ clients { totalCount } }')).data.clients.totalCount).to.equal(1);
  });

  it('a token without the read scope reads nothing through a mutation\'s payload: what it changed is null, the change still made (attacker read 13B, F5)', async () => {
    const writeOnly = gql(srv.url, await a.token(a.alice, 'write profile'));
    expect(code(await writeOnly('{ viewer { username } }'))).to.equal('FORBIDDEN');
    const changed = await writeOnly('mutation($id: ID!) { updateProfile(id: $id, input: { nickname: "al" }) { user { username isAdmin lastLoginAt } } }', { id: String(a.alice.id) });
    expect(changed.errors, JSON.stringify(changed)).to.equal(undefined);
    expect(changed.data.updateProfile.user).to.equal(null);
    const [row] = await srv.app.stores.sql.all<{ profile: string }>('select profile from users where id = ?', [a.alice.id]);
    expect(JSON.parse(row.profile).nickname).to.equal('al');
    // With read, the same payload answers.
    expect((await a.user('mutation($id: ID!) { updateProfile(id: $id, input: { nickname: "al" }) { user { username } } }', { id: String(a.alice.id) })).data.updateProfile.user).to.deep.equal({ username: 'alice' });
  });

  it('lets an admin see everything', async () => {
    expect((await a.admin('{ clients { totalCount } }')).data.clients.totalCount).to.equal(2);
    expect((await a.admin('{ users { totalCount } }')).data.users.totalCount).to.equal(2);
  });

  it('an admin user without the admin scope is an ordinary user', async () => {
    const { postForm } = await import('../oauth-helpers.ts');
    const c = await srv.app.seed.client({ owner: a.root, grantTypes: ['password'], allowedScopes: ['read', 'write', 'admin'] });
    const tok = (await (await postForm(`${srv.url}/o/token/`, { grant_type: 'password', username: 'root', password: a.root.password, scope: 'read' }, { id: c.client.clientId, secret: c.clientSecret! })).json()).access_token;
    const { gql } = await import('./gql-helpers.ts');
    expect((await gql(srv.url, tok)('{ viewer { isAdmin } users { totalCount } }')).errors![0].extensions.code).to.equal('FORBIDDEN');
  });

  it('requires the session CSRF token for mutations over a browser session', async () => {
    const b = await a.aliceBrowser();
    const post = (headers: Record<string, string>) => b.request('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query: 'mutation($i: ClientInput!) { registerClient(input: $i) { client { id } } }', variables: { i: CLIENT_INPUT } }) });
    expect((await (await post({})).json()).errors[0].extensions.code).to.equal('FORBIDDEN');
    const token = csrfFrom(await (await b.get('/o/applications/')).text())!;
    const ok = await (await post({ 'x-csrf-token': token })).json();
    expect(ok.data.registerClient.client.id).to.be.a('string');
  });
});

// Each registration stores a client; any account may register: an account's own registrations are budgeted per window
// (attacker read 20, F5: 500 requests of 10 aliased registerClient stored 5,000 clients in 3 s).
describe('GraphQL registerClient and the applications page: a budget per account', () => {
  let srv: TestServer;
  let a: Awaited<ReturnType<typeof actors>>;
  before(async () => { srv = await createTestApp({ rateLimit: { registrationsPerAccount: 3 } }); a = await actors(srv); });
  after(() => srv.close());

  const owned = async (userId: number) => Number((await srv.app.stores.sql.all<{ n: number }>('select count(*) as n from applications where owner_id = ?', [userId]))[0].n);
  const aliased = (n: number) => `mutation($i: ClientInput!) { ${Array.from({ length: n }, (_, k) => `r${k}: registerClient(input: $i) { client { clientId } }`).join(' ')} }`;

  it('an account registers 3 in the window; the rest are refused RATE_LIMITED, stored nothing, and the page answers 429', async () => {
    const before = await owned(a.alice.id);
    const answers = await Promise.all(Array.from({ length: 5 }, () => a.user(aliased(1), { i: CLIENT_INPUT })));
    expect(answers.filter((r) => r.data?.r0).length, JSON.stringify(answers)).to.equal(3);
    expect(answers.filter((r) => !r.data?.r0).map((r) => r.errors![0].extensions.code)).to.deep.equal(['RATE_LIMITED', 'RATE_LIMITED']);
    expect(await owned(a.alice.id)).to.equal(before + 3);
    // The applications page spends the same budget.
    const browser = await a.aliceBrowser();
    const form = await (await browser.get('/o/applications/register/')).text();
    const fields = Object.fromEntries([...form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const page = await browser.post('/o/applications/register/', { ...fields, csrfmiddlewaretoken: csrfFrom(form)!, name: 'Page', client_type: 'confidential', grant_types: 'authorization_code', redirect_uris: 'https://client.example.com/cb', allowed_scopes: 'read' });
    expect(page.status).to.equal(429);
    expect(Number(page.headers.get('retry-after'))).to.be.greaterThan(0);
    expect(await owned(a.alice.id)).to.equal(before + 3);
  });

  it('an administrator is not held to it', async () => {
    const res = await a.admin(aliased(5), { i: CLIENT_INPUT });
    expect(res.errors, JSON.stringify(res.errors)).to.equal(undefined);
    expect(Object.values(res.data!).filter(Boolean)).to.have.length(5);
  });
});
