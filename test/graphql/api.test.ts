import { expect } from 'chai';
import { createTestApp, type TestServer } from '../helpers.ts';
import { authorizeThroughConsent, pkcePair, postForm } from '../oauth-helpers.ts';
import { actors, CLIENT_INPUT } from './gql-helpers.ts';

const REGISTER = `mutation($input: ClientInput!) { registerClient(input: $input) { client { id clientId name clientType grantTypes owner { username } } clientSecret } }`;

describe('GraphQL admin API: queries and mutations over HTTP', () => {
  let srv: TestServer;
  let a: Awaited<ReturnType<typeof actors>>;
  beforeEach(async () => { srv = await createTestApp(); a = await actors(srv); });
  afterEach(() => srv.close());

  it('answers viewer for a token and for a browser session', async () => {
    expect((await a.admin('{ viewer { username isAdmin } }')).data.viewer).to.deep.equal({ username: 'root', isAdmin: true });
    const b = await a.aliceBrowser();
    const res = await b.request('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ viewer { username } }' }) });
    expect((await res.json()).data.viewer.username).to.equal('alice');
  });

  it('registers a client (secret returned once, stored hashed) and the authorization-code flow then works with it', async () => {
    const r = await a.user(REGISTER, { input: CLIENT_INPUT });
    const { client, clientSecret } = r.data.registerClient;
    expect(client).to.include({ name: 'Via GraphQL', clientType: 'CONFIDENTIAL' });
    expect(client.owner.username).to.equal('alice');
    expect(clientSecret).to.match(/^[\w-]{64}$/);
    const again = await a.user('query($id: ID) { client(id: $id) { clientId } }', { id: client.id });
    expect(JSON.stringify(again)).not.to.include(clientSecret);
    const b = await a.aliceBrowser();
    const { verifier, challenge } = pkcePair();
    const loc = await authorizeThroughConsent(b, { response_type: 'code', client_id: client.clientId, code_challenge: challenge, code_challenge_method: 'S256' });
    const tok = await postForm(`${srv.url}/o/token/`, { grant_type: 'authorization_code', code: loc.searchParams.get('code')!, code_verifier: verifier }, { id: client.clientId, secret: clientSecret });
    expect(tok.status).to.equal(200);
  });

  it('registers an OAuth 1.0a consumer: the returned secret signs OAuth 1 requests', async () => {
    const r = await a.user('mutation($input: ClientInput!) { registerClient(input: $input) { client { clientId oauth1Enabled } clientSecret } }', { input: { ...CLIENT_INPUT, oauth1Enabled: true } });
    const { client, clientSecret } = r.data.registerClient;
    expect(client.oauth1Enabled).to.equal(true);
    const consumer = await srv.app.withContext(() => srv.app.stores.oauth1.findConsumer(client.clientId));
    expect(consumer!.consumerSecret).to.equal(clientSecret);
  });

  it('refuses invalid input with BAD_USER_INPUT naming each field path, storing nothing', async () => {
    const before = (await a.admin('{ clients { totalCount } }')).data.clients.totalCount;
    const r = await a.admin(REGISTER, { input: { ...CLIENT_INPUT, name: ' ', redirectUris: ['https://x.example/cb#frag'] } });
    expect(r.errors![0].extensions.code).to.equal('BAD_USER_INPUT');
    expect(r.errors![0].extensions.fields.map((f: { path: string[] }) => f.path.join('.'))).to.have.members(['input.name', 'input.redirectUris']);
    expect((await a.admin('{ clients { totalCount } }')).data.clients.totalCount).to.equal(before);
  });

  it('updates, rotates (old secret stops working) and deletes a client', async () => {
    const { client, clientSecret } = (await a.user(REGISTER, { input: { ...CLIENT_INPUT, grantTypes: ['CLIENT_CREDENTIALS'], redirectUris: [] } })).data.registerClient;
    const upd = await a.user('mutation($id: ID!, $input: ClientInput!) { updateClient(id: $id, input: $input) { client { name allowedScopes } } }', { id: client.id, input: { ...CLIENT_INPUT, name: 'Renamed', grantTypes: ['CLIENT_CREDENTIALS'], redirectUris: [], allowedScopes: ['read'] } });
    expect(upd.data.updateClient.client).to.deep.equal({ name: 'Renamed', allowedScopes: ['read'] });
    const rot = await a.user('mutation($id: ID!) { rotateClientSecret(id: $id) { clientSecret } }', { id: client.id });
    const fresh = rot.data.rotateClientSecret.clientSecret;
    expect((await postForm(`${srv.url}/o/token/`, { grant_type: 'client_credentials' }, { id: client.clientId, secret: clientSecret })).status).to.equal(401);
    const tok = await (await postForm(`${srv.url}/o/token/`, { grant_type: 'client_credentials' }, { id: client.clientId, secret: fresh })).json();
    const del = await a.user('mutation($id: ID!) { deleteClient(id: $id) { deletedId } }', { id: client.id });
    expect(del.data.deleteClient.deletedId).to.equal(client.id);
    expect((await fetch(`${srv.url}/api/hello`, { headers: { authorization: `Bearer ${tok.access_token}` } })).status).to.equal(401);
  });

  it('lists grants with scopes and live tokens, and revokeGrant makes introspection answer active:false at once', async () => {
    const { client, clientSecret } = (await a.user(REGISTER, { input: CLIENT_INPUT })).data.registerClient;
    const b = await a.aliceBrowser();
    const { verifier, challenge } = pkcePair();
    const loc = await authorizeThroughConsent(b, { response_type: 'code', client_id: client.clientId, scope: 'read write', code_challenge: challenge, code_challenge_method: 'S256' });
    const auth = { id: client.clientId, secret: clientSecret };
    const tok = await (await postForm(`${srv.url}/o/token/`, { grant_type: 'authorization_code', code: loc.searchParams.get('code')!, code_verifier: verifier }, auth)).json();
    const g = await a.admin('query($c: ID) { grants(clientId: $c) { totalCount nodes { id scopes user { username } client { name } liveTokens { kind active scopes } } } }', { c: client.id });
    const grant = g.data.grants.nodes[0];
    expect(grant.scopes).to.deep.equal(['read', 'write']);
    expect(grant.liveTokens.map((t: { kind: string }) => t.kind)).to.have.members(['ACCESS', 'REFRESH']);
    const rev = await a.user('mutation($id: ID!) { revokeGrant(id: $id) { revokedTokens } }', { id: grant.id });
    expect(rev.data.revokeGrant.revokedTokens).to.equal(2);
    expect((await (await postForm(`${srv.url}/o/introspect/`, { token: tok.access_token }, auth)).json()).active).to.equal(false);
  });

  it('lists token metadata without values or hashes, and revokeToken is visible to introspection at once', async () => {
    const { client, clientSecret } = (await a.admin(REGISTER, { input: { ...CLIENT_INPUT, grantTypes: ['CLIENT_CREDENTIALS'], redirectUris: [] } })).data.registerClient;
    const auth = { id: client.clientId, secret: clientSecret };
    const tok = await (await postForm(`${srv.url}/o/token/`, { grant_type: 'client_credentials' }, auth)).json();
    const list = await a.admin('query($c: ID) { tokens(filter: { clientId: $c, activeOnly: true }) { totalCount nodes { id kind scopes active issuedAt expiresAt client { clientId } user { username } } } }', { c: client.id });
    expect(list.data.tokens.totalCount).to.equal(1);
    expect(JSON.stringify(list)).not.to.include(tok.access_token);
    const id = list.data.tokens.nodes[0].id;
    expect((await a.admin('mutation($id: ID!) { revokeToken(id: $id) { revokedTokens } }', { id })).data.revokeToken.revokedTokens).to.equal(1);
    expect((await (await postForm(`${srv.url}/o/introspect/`, { token: tok.access_token }, auth)).json()).active).to.equal(false);
  });

  it('revokeAllForUser and revokeAllForClient stop every matching token', async () => {
    const r1 = await a.admin('mutation($u: ID!) { revokeAllForUser(userId: $u) { revokedTokens } }', { u: String(a.alice.id) });
    expect(r1.data.revokeAllForUser.revokedTokens).to.equal(4);
    expect((await a.user('{ viewer { username } }')).errors![0].extensions.code).to.equal('UNAUTHENTICATED');
    const r2 = await a.admin('mutation($c: ID!) { revokeAllForClient(clientId: $c) { revokedTokens } }', { c: String(a.console.id) });
    expect(r2.data.revokeAllForClient.revokedTokens).to.equal(2);
  });

  it('creates users and deactivates them (their tokens stop working)', async () => {
    const c = await a.admin('mutation { createUser(input: { username: "bob", password: "bob-password-1" }) { user { id username isActive } } }');
    expect(c.data.createUser.user).to.include({ username: 'bob', isActive: true });
    const dup = await a.admin('mutation { createUser(input: { username: "bob", password: "bob-password-1" }) { user { id } } }');
    expect(dup.errors![0].extensions.fields[0].path).to.deep.equal(['input', 'username']);
    const off = await a.admin('mutation($id: ID!) { setUserActive(id: $id, active: false) { user { isActive } } }', { id: String(a.alice.id) });
    expect(off.data.setUserActive.user.isActive).to.equal(false);
    expect((await a.user('{ viewer { username } }')).errors![0].extensions.code).to.equal('UNAUTHENTICATED');
    const users = await a.admin('{ users(first: 2) { totalCount edges { cursor node { username } } pageInfo { hasNextPage endCursor } } }');
    expect(users.data.users.totalCount).to.equal(3);
    expect(users.data.users.pageInfo.hasNextPage).to.equal(true);
    const next = await a.admin('query($after: String) { users(first: 2, after: $after) { nodes { username } pageInfo { hasNextPage } } }', { after: users.data.users.pageInfo.endCursor });
    expect(next.data.users.nodes.map((u: { username: string }) => u.username)).to.deep.equal(['bob']);
  });

  it('reads the audit log with filters, newest first', async () => {
    const r = await a.admin('{ events(filter: { types: ["token.issued"] }, first: 5) { totalCount nodes { type userId clientId createdAt } } }');
    expect(r.data.events.totalCount).to.equal(3);
    expect(r.data.events.nodes.every((e: { type: string }) => e.type === 'token.issued')).to.equal(true);
  });
});
