import { expect } from 'chai';
import { Browser, createTestApp, type TestServer } from '../helpers.ts';
import { actors } from './gql-helpers.ts';

// What the admin console (/admin/) needs of the public API that it did not have: searching users and giving or
// taking administrator rights. Administrators only, through the policy and AdminStore like every other call.
describe('GraphQL admin API: user search and administrator rights (the admin console)', () => {
  let srv: TestServer;
  let a: Awaited<ReturnType<typeof actors>>;
  before(async () => {
    srv = await createTestApp();
    a = await actors(srv);
    await srv.app.seed.user({ username: 'Bobby_Tables' });
    await srv.app.seed.user({ username: 'bobxtables' });
  });
  after(() => srv.close());
  const code = (r: { errors?: { extensions: { code: string } }[] }) => r.errors?.[0]?.extensions.code;
  const names = (r: { data: { users: { nodes: { username: string }[] } } }) => r.data.users.nodes.map((u) => u.username);
  const search = 'query($s: String) { users(search: $s) { totalCount nodes { username } } }';

  it('finds users by part of their username, in any case, with LIKE wildcards taken literally', async () => {
    expect(names(await a.admin(search, { s: 'bob' }))).to.deep.equal(['Bobby_Tables', 'bobxtables']);
    expect((await a.admin(search, { s: 'BOB' })).data.users.totalCount).to.equal(2);
    expect(names(await a.admin(search, { s: 'b_x' }))).to.deep.equal([]);
    expect(names(await a.admin(search, { s: '%' }))).to.deep.equal([]);
    expect(names(await a.admin(search, { s: 'y_t' }))).to.deep.equal(['Bobby_Tables']);
    expect(names(await a.admin(search, { s: '_' }))).to.deep.equal(['Bobby_Tables']);
    expect((await a.admin(search, { s: '' })).data.users.totalCount).to.equal(4);
  });

  it('refuses user search to non-administrators', async () => {
    expect(code(await a.user(search, { s: 'root' }))).to.equal('FORBIDDEN');
  });

  it('gives and takes administrator rights; the user\'s session follows at once', async () => {
    const alice = await a.aliceBrowser();
    const asAlice = async () => (await (await alice.request('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ users { totalCount } }' }) })).json()) as { errors?: { extensions: { code: string } }[] };
    expect(code(await asAlice())).to.equal('FORBIDDEN');
    const set = 'mutation($id: ID!, $v: Boolean!) { setUserAdmin(id: $id, isAdmin: $v) { user { username isAdmin } } }';
    expect((await a.admin(set, { id: String(a.alice.id), v: true })).data.setUserAdmin.user).to.deep.equal({ username: 'alice', isAdmin: true });
    expect(code(await asAlice())).to.equal(undefined);
    expect((await srv.app.stores.users.findById(a.alice.id))!.isAdmin).to.equal(true);
    expect((await a.admin(set, { id: String(a.alice.id), v: false })).data.setUserAdmin.user.isAdmin).to.equal(false);
    expect(code(await asAlice())).to.equal('FORBIDDEN');
    const events = await a.admin('{ events(filter: { types: ["user.admin_granted", "user.admin_revoked"] }) { nodes { type detail } } }');
    expect(events.data.events.nodes.map((e: { type: string }) => e.type)).to.deep.equal(['user.admin_revoked', 'user.admin_granted']);
  });

  it('refuses setUserAdmin to non-administrators, an unknown user, and an administrator demoting themselves', async () => {
    const set = 'mutation($id: ID!, $v: Boolean!) { setUserAdmin(id: $id, isAdmin: $v) { user { isAdmin } } }';
    expect(code(await a.user(set, { id: String(a.alice.id), v: true }))).to.equal('FORBIDDEN');
    expect((await srv.app.stores.users.findById(a.alice.id))!.isAdmin).to.equal(false);
    expect(code(await a.admin(set, { id: '999999', v: true }))).to.equal('NOT_FOUND');
    expect(code(await a.admin(set, { id: String(a.root.id), v: false }))).to.equal('BAD_USER_INPUT');
    expect((await srv.app.stores.users.findById(a.root.id))!.isAdmin).to.equal(true);
  });
});

describe('CSRF on session-authenticated GraphQL (the admin console\'s lane)', () => {
  let srv: TestServer;
  let root: Browser;
  let csrf: string;
  let victimId: number;
  before(async () => {
    srv = await createTestApp();
    await srv.app.seed.user({ username: 'root', password: 'root-password', isAdmin: true });
    victimId = (await srv.app.seed.user({ username: 'victim' })).id;
    root = new Browser(srv.url);
    await root.login('root', 'root-password');
    csrf = await root.csrf('/');
  });
  after(() => srv.close());

  const mutation = () => `mutation { setUserAdmin(id: "${victimId}", isAdmin: true) { user { isAdmin } } }`;
  const victimIsAdmin = async () => (await srv.app.stores.users.findById(victimId))!.isAdmin;

  it('refuses a cross-site JSON fetch with the admin\'s cookie but no X-CSRF-Token', async () => {
    const res = await root.request('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://evil.example' }, body: JSON.stringify({ query: mutation() }) });
    const body = await res.json() as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0].extensions.code).to.equal('FORBIDDEN');
    expect(res.headers.get('access-control-allow-origin')).to.equal(null);
    expect(await victimIsAdmin()).to.equal(false);
  });

  it('refuses a cross-site HTML form POST (urlencoded and text/plain) with the admin\'s cookie', async () => {
    for (const [type, body] of [['application/x-www-form-urlencoded', new URLSearchParams({ query: mutation() }).toString()], ['text/plain', JSON.stringify({ query: mutation() })]]) {
      const res = await root.request('/graphql', { method: 'POST', headers: { 'content-type': type, origin: 'https://evil.example' }, body });
      const text = await res.text();
      // Either yoga does not take the media type, or the mutation is refused: never data.
      if (res.status === 200) expect((JSON.parse(text) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code, type).to.equal('FORBIDDEN');
      expect(await victimIsAdmin(), type).to.equal(false);
    }
  });

  it('refuses a wrong token, a mutation by GET, and a mutation hidden behind an operationName', async () => {
    let res = await root.request('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': `${csrf}x` }, body: JSON.stringify({ query: mutation() }) });
    expect(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).to.equal('FORBIDDEN');
    res = await root.request(`/graphql?${new URLSearchParams({ query: mutation() })}`, { headers: { accept: 'application/json' } });
    expect(res.status).to.not.equal(200);
    const doc = `query Q { viewer { id } } ${mutation().replace('mutation', 'mutation M')}`;
    res = await root.request('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: doc, operationName: 'M' }) });
    expect(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).to.equal('FORBIDDEN');
    expect(await victimIsAdmin()).to.equal(false);
  });

  it('lets the same session mutate with its token (the console\'s own calls), and read without one', async () => {
    const read = await root.request('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ users { totalCount } }' }) });
    expect(((await read.json()) as { data: { users: { totalCount: number } } }).data.users.totalCount).to.equal(2);
    const res = await root.request('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify({ query: mutation() }) });
    expect(((await res.json()) as { data: unknown }).data).to.deep.equal({ setUserAdmin: { user: { isAdmin: true } } });
    expect(await victimIsAdmin()).to.equal(true);
  });
});
