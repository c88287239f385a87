import { expect } from 'chai';
import { Browser, createTestApp, type TestServer } from '../helpers.ts';
import { actors } from '../graphql/gql-helpers.ts';
import { postForm } from '../oauth-helpers.ts';

// Fresh-eyes 11: the reserved owner of dynamically registered clients (`~dynamic`) could be given a password, made
// active and an administrator from the admin console (GraphQL), and then signed in as the owner of every
// registered client. It never signs in, and never gets a password, whatever is set on it.
describe('security: the reserved account that owns registered clients never signs in', () => {
  let srv: TestServer;
  let a: Awaited<ReturnType<typeof actors>>;
  before(async () => { srv = await createTestApp({ registration: 'open' }); a = await actors(srv); });
  after(() => srv.close());

  it('an administrator cannot give it a password, and activated and made an administrator it still cannot sign in or get tokens', async () => {
    const reg = await fetch(`${srv.url}/o/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_name: 'Dyn', redirect_uris: ['https://dyn.example/cb'] }) });
    expect(reg.status).to.equal(201);
    const row = (await srv.app.stores.sql.get<{ id: number; password_hash: string }>("select id, password_hash from users where username = '~dynamic'"))!;
    const id = String(row.id);
    const password = 'a brand new passphrase 42';
    const set = await a.admin('mutation($id: ID!, $p: String!) { setUserPassword(id: $id, password: $p) { user { id } } }', { id, p: password });
    expect(set.errors?.[0]?.extensions?.code, JSON.stringify(set)).to.equal('BAD_USER_INPUT');
    expect((await srv.app.stores.sql.get<{ password_hash: string }>('select password_hash from users where id = ?', [row.id]))!.password_hash).to.equal(row.password_hash);
    expect((await a.admin('mutation($id: ID!) { setUserActive(id: $id, active: true) { user { isActive } } }', { id })).errors).to.equal(undefined);
    expect((await a.admin('mutation($id: ID!) { setUserAdmin(id: $id, isAdmin: true) { user { isAdmin } } }', { id })).errors).to.equal(undefined);
    // Even with a password hash written straight into its row, the sign-in and the password grant refuse it.
    await srv.app.stores.sql.run("update users set password_hash = (select password_hash from users where username = 'alice') where id = ?", [row.id]);
    const browser = new Browser(srv.url);
    const login = await browser.login('~dynamic', a.alice.password);
    expect(login.headers.get('location') ?? '', 'no sign-in').to.not.match(/^\/$|\/o\/|\/admin/);
    expect((await browser.get('/admin/users/')).status, 'the admin pages').to.not.equal(200);
    const grant = await postForm(`${srv.url}/o/token/`, { grant_type: 'password', username: '~dynamic', password: a.alice.password, scope: 'admin' }, { id: a.console.clientId, secret: '' });
    expect(grant.status).to.be.oneOf([400, 401]);
  });
});
