import { expect } from 'chai';
import { Browser, createTestApp, csrfFrom, type TestServer } from '../helpers.ts';
import { authorizeThroughConsent, pkcePair, postForm } from '../oauth-helpers.ts';
import { CLIENT_INPUT, gql, type Gql } from '../graphql/gql-helpers.ts';

// Issue 17 #8: an application holding alice's `write` token called rotateClientSecret on alice's own applications
// and read the new secret. Managing clients through GraphQL with a bearer token needs the `applications` scope,
// which only an administrator can allow on a client; a browser session (with its CSRF header) keeps doing it.
describe('security: a third-party app cannot manage the user\'s own applications (issue 17 #8)', () => {
  let srv: TestServer;
  let alice: Awaited<ReturnType<TestServer['app']['seed']['user']>>;
  let aliceApp: { id: string; clientId: string; secret: string };
  let bobAppId: string;
  let thirdParty: Gql;
  let manager: Gql;
  let admin: Gql;

  const code = (r: { errors?: { extensions: { code: string } }[] }) => r.errors?.[0]?.extensions.code;
  const clientCredentials = (c: { clientId: string; secret: string }) => postForm(`${srv.url}/o/token/`, { grant_type: 'client_credentials' }, { id: c.clientId, secret: c.secret });
  const countClients = async () => Number((await srv.app.orm.em.fork().getConnection().execute('select count(*) as n from applications'))[0].n);

  before(async () => {
    srv = await createTestApp();
    const { seed } = srv.app;
    const root = await seed.user({ username: 'root', isAdmin: true });
    alice = await seed.user({ username: 'alice' });
    const bob = await seed.user({ username: 'bob' });
    const mine = await seed.client({ owner: alice, name: 'Alice app', grantTypes: ['client_credentials'], redirectUris: [], allowedScopes: ['read'] });
    aliceApp = { id: String(mine.client.id), clientId: mine.client.clientId, secret: mine.clientSecret! };
    bobAppId = String((await seed.client({ owner: bob, name: 'Bob app' })).client.id);

    // A normal third-party application (registered by bob, ordinary scopes), authorized by alice for read and write.
    const printer = await seed.client({ owner: bob, name: 'Photo printer', redirectUris: ['https://printer.example/cb'], allowedScopes: ['read', 'write'] });
    const browser = new Browser(srv.url);
    await browser.login('alice', alice.password);
    const { verifier, challenge } = pkcePair();
    const loc = await authorizeThroughConsent(browser, { response_type: 'code', client_id: printer.client.clientId, redirect_uri: 'https://printer.example/cb', scope: 'read write', code_challenge: challenge, code_challenge_method: 'S256' });
    const tok = await (await postForm(`${srv.url}/o/token/`, { grant_type: 'authorization_code', code: loc.searchParams.get('code')!, code_verifier: verifier, redirect_uri: 'https://printer.example/cb' }, { id: printer.client.clientId, secret: printer.clientSecret! })).json();
    expect(tok.scope).to.equal('read write');
    thirdParty = gql(srv.url, tok.access_token);

    // The first-party console an administrator allowed the privileged `applications` scope.
    const console_ = await seed.client({ owner: root, name: 'Console', grantTypes: ['password'], allowedScopes: ['read', 'write', 'admin', 'applications'] });
    const password = async (u: { username: string; password: string }, scope: string) => (await (await postForm(`${srv.url}/o/token/`, { grant_type: 'password', username: u.username, password: u.password, scope }, { id: console_.client.clientId, secret: console_.clientSecret! })).json()).access_token as string;
    manager = gql(srv.url, await password(alice, 'applications'));
    admin = gql(srv.url, await password(root, 'admin'));
  });
  after(() => srv.close());

  it("refuses every client mutation to a third-party app's write token (FORBIDDEN), changing nothing", async () => {
    const before = await countClients();
    const calls: [string, Record<string, unknown>][] = [
      ['mutation($i: ClientInput!) { registerClient(input: $i) { clientSecret } }', { i: CLIENT_INPUT }],
      ['mutation($id: ID!, $i: ClientInput!) { updateClient(id: $id, input: $i) { clientSecret } }', { id: aliceApp.id, i: { ...CLIENT_INPUT, grantTypes: ['CLIENT_CREDENTIALS'], redirectUris: [] } }],
      ['mutation($id: ID!) { rotateClientSecret(id: $id) { clientSecret } }', { id: aliceApp.id }],
      ['mutation($id: ID!) { deleteClient(id: $id) { deletedId } }', { id: aliceApp.id }],
      ['mutation($id: ID!) { revokeAllForClient(clientId: $id) { revokedTokens } }', { id: aliceApp.id }],
    ];
    for (const [query, variables] of calls) {
      const r = await thirdParty(query, variables);
      expect(code(r), query).to.equal('FORBIDDEN');
      expect(r.data ?? null, query).to.equal(null);
    }
    expect(await countClients()).to.equal(before);
    expect((await clientCredentials(aliceApp)).status, 'the old secret still works').to.equal(200);
    // It still reads what its read scope allows.
    expect((await thirdParty('{ viewer { username } }')).data.viewer.username).to.equal('alice');
  });

  it('lets a token with the applications scope manage her own clients, and only those', async () => {
    const rotated = await manager('mutation($id: ID!) { rotateClientSecret(id: $id) { client { name } clientSecret } }', { id: aliceApp.id });
    expect(rotated.errors, JSON.stringify(rotated.errors)).to.equal(undefined);
    expect(rotated.data.rotateClientSecret.client.name).to.equal('Alice app');
    const fresh = { clientId: aliceApp.clientId, secret: rotated.data.rotateClientSecret.clientSecret as string };
    expect((await clientCredentials(aliceApp)).status).to.equal(401);
    expect((await clientCredentials(fresh)).status).to.equal(200);
    aliceApp.secret = fresh.secret;

    for (const query of ['mutation($id: ID!) { rotateClientSecret(id: $id) { clientSecret } }', 'mutation($id: ID!) { deleteClient(id: $id) { deletedId } }', 'mutation($id: ID!) { revokeAllForClient(clientId: $id) { revokedTokens } }']) {
      expect(code(await manager(query, { id: bobAppId })), query).to.equal('NOT_FOUND');
    }
    const reg = await manager('mutation($i: ClientInput!) { registerClient(input: $i) { client { id owner { username } } } }', { i: CLIENT_INPUT });
    expect(reg.data.registerClient.client.owner.username).to.equal('alice');
    expect((await manager('mutation($id: ID!) { deleteClient(id: $id) { deletedId } }', { id: reg.data.registerClient.client.id })).data.deleteClient.deletedId).to.equal(reg.data.registerClient.client.id);
  });

  it('lets an admin token manage any client, and a browser session (with its CSRF header) manage its own', async () => {
    expect((await admin('mutation($id: ID!) { rotateClientSecret(id: $id) { clientSecret } }', { id: bobAppId })).data.rotateClientSecret.clientSecret).to.be.a('string');
    const browser = new Browser(srv.url);
    await browser.login('alice', alice.password);
    const csrf = csrfFrom(await (await browser.get('/o/applications/')).text())!;
    const res = await browser.request('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify({ query: 'mutation($id: ID!) { rotateClientSecret(id: $id) { clientSecret } }', variables: { id: aliceApp.id } }) });
    expect((await res.json()).data.rotateClientSecret.clientSecret).to.be.a('string');
  });
});
