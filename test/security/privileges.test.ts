// Issue 17 #1: a registered user must not be able to give their own client a privileged capability (skip consent,
// the admin / introspection / applications scopes, the password and implicit grants), by any path, and an admin
// following one link must never hand an ordinary user's client the admin scope without a consent page.
import { expect } from 'chai';
import { Browser, createTestApp, csrfFrom, type TestServer } from '../helpers.ts';
import { codeFlowSetup, getCode, pkcePair, postForm } from '../oauth-helpers.ts';
import type { UserRecord } from '../../src/accounts/store.ts';
import { hashToken } from '../../src/oauth2/tokens.ts';

describe('security: privileged client capabilities are set by administrators only (issue 17 #1)', () => {
  let srv: TestServer;
  let root: UserRecord & { password: string };
  let mallory: UserRecord & { password: string };
  let admin: Browser;
  let attacker: Browser;

  beforeEach(async () => {
    srv = await createTestApp();
    root = await srv.app.seed.user({ username: 'root', isAdmin: true });
    mallory = await srv.app.seed.user({ username: 'mallory' });
    admin = new Browser(srv.url);
    attacker = new Browser(srv.url);
    await admin.login('root', root.password);
    await attacker.login('mallory', mallory.password);
  });
  afterEach(() => srv.close());

  const ATTACKER_CB = 'https://attacker.example/cb';
  const clientsOf = (owner: number) => srv.app.stores.sql.all<Record<string, unknown>>('select client_id, skip_authorization, allowed_scopes, grant_types from applications where owner_id = ?', [owner]);

  async function registerForm(b: Browser, fields: Record<string, string | string[]>) {
    return b.post('/o/applications/register/', {
      ...(await b.formFields('/o/applications/register/')), name: 'Innocent app', client_type: 'confidential', grant_types: ['authorization_code'],
      redirect_uris: ATTACKER_CB, allowed_scopes: ['read'], ...fields,
    });
  }

  const refusedByForm: [string, Record<string, string | string[]>][] = [
    ['skip consent', { skip_authorization: 'on' }],
    ['the admin scope', { allowed_scopes: ['read', 'admin'] }],
    ['the introspection scope', { allowed_scopes: ['introspection'] }],
    ['the applications scope', { allowed_scopes: ['applications'] }],
    ['the password grant', { grant_types: ['password'] }],
    ['the implicit grant', { grant_types: ['implicit'] }],
  ];
  for (const [what, fields] of refusedByForm) {
    it(`the registration form refuses ${what} from a non-admin, and stores nothing`, async () => {
      const res = await registerForm(attacker, fields);
      expect(res.status).to.equal(400);
      expect(await res.text()).to.include('Only administrators');
      expect(await clientsOf(mallory.id)).to.have.length(0);
    });
  }

  it('GraphQL registerClient refuses skipAuthorization and the admin scope from a non-admin session', async () => {
    const token = csrfFrom(await (await attacker.get('/o/applications/')).text())!;
    const res = await attacker.request('/graphql', {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': token },
      body: JSON.stringify({ query: 'mutation($i: ClientInput!) { registerClient(input: $i) { client { id } } }', variables: { i: { name: 'x', grantTypes: ['AUTHORIZATION_CODE'], redirectUris: [ATTACKER_CB], allowedScopes: ['read', 'admin'], skipAuthorization: true } } }),
    });
    const body = await res.json();
    expect(body.errors[0].extensions.code).to.equal('BAD_USER_INPUT');
    expect(await clientsOf(mallory.id)).to.have.length(0);
  });

  it('a non-admin cannot add a privileged capability on update, and keeps what an admin gave when editing', async () => {
    const { client } = await srv.app.seed.client({ owner: mallory, redirectUris: [ATTACKER_CB], allowedScopes: ['read'], skipAuthorization: true });
    const form = await (await attacker.get(`/o/applications/${client.id}/update/`)).text();
    expect(form).not.to.include('name="skip_authorization"');
    expect(form).not.to.include('value="admin"');
    const post = (extra: Record<string, string | string[]>) => attacker.post(`/o/applications/${client.id}/update/`, {
      csrfmiddlewaretoken: csrfFrom(form)!, name: 'Renamed', client_type: 'confidential', grant_types: ['authorization_code'], redirect_uris: ATTACKER_CB, allowed_scopes: ['read'], ...extra,
    });
    expect((await post({ allowed_scopes: ['read', 'admin'] })).status).to.equal(400);
    expect((await post({})).status).to.equal(302);
    const [row] = await clientsOf(mallory.id);
    expect(Number(row.skip_authorization)).to.equal(1);
    expect(String(row.allowed_scopes)).not.to.include('admin');
  });

  it('a non-admin\'s GraphQL updateClient that leaves skipAuthorization out keeps what an admin set', async () => {
    const { client } = await srv.app.seed.client({ owner: mallory, redirectUris: [ATTACKER_CB], allowedScopes: ['read'], skipAuthorization: true });
    const token = csrfFrom(await (await attacker.get('/o/applications/')).text())!;
    const res = await attacker.request('/graphql', {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': token },
      body: JSON.stringify({ query: 'mutation($id: ID!, $i: ClientInput!) { updateClient(id: $id, input: $i) { client { name skipAuthorization } } }', variables: { id: String(client.id), i: { name: 'Renamed', grantTypes: ['AUTHORIZATION_CODE'], redirectUris: [ATTACKER_CB], allowedScopes: ['read'] } } }),
    });
    expect((await res.json()).data.updateClient.client).to.deep.equal({ name: 'Renamed', skipAuthorization: true });
  });

  it('a non-admin cannot make a client an administrator trusted as confidential public while it keeps what the trust gave (attacker read 13B, F4)', async () => {
    // An administrator gave a confidential client the password grant, the introspection scope and a day-long token.
    const { client } = await srv.app.seed.client({ owner: mallory, redirectUris: [ATTACKER_CB], grantTypes: ['authorization_code', 'password'], allowedScopes: ['read', 'introspection'], accessTokenLifetime: 86_400 });
    const token = csrfFrom(await (await attacker.get('/o/applications/')).text())!;
    const update = async (i: Record<string, unknown>) => (await attacker.request('/graphql', {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': token },
      body: JSON.stringify({ query: 'mutation($id: ID!, $i: ClientInput!) { updateClient(id: $id, input: $i) { client { clientType } } }', variables: { id: String(client.id), i: { name: 'x', redirectUris: [ATTACKER_CB], clientType: 'PUBLIC', tokenEndpointAuthMethod: 'NONE', ...i } } }),
    })).json();
    // Kept as they are, anyone holding the client_id would get the password grant and day-long tokens without a secret.
    const kept = await update({ grantTypes: ['AUTHORIZATION_CODE', 'PASSWORD'], allowedScopes: ['read', 'introspection'], accessTokenLifetime: 86_400 });
    expect(kept.errors?.[0]?.extensions?.code, JSON.stringify(kept)).to.equal('BAD_USER_INPUT');
    const [row] = await srv.app.stores.sql.all<Record<string, unknown>>('select client_type, grant_types from applications where id = ?', [client.id]);
    expect(row.client_type).to.equal('confidential');
    const res = await postForm(`${srv.url}/o/token/`, { grant_type: 'password', username: 'mallory', password: mallory.password, client_id: client.clientId, scope: 'read' });
    expect(res.status).to.equal(401);
    expect((await res.json()).error).to.equal('invalid_client');
    // Dropping what an administrator gave, the owner may make it public.
    const dropped = await update({ grantTypes: ['AUTHORIZATION_CODE'], allowedScopes: ['read'], accessTokenLifetime: null });
    expect(dropped.data?.updateClient?.client, JSON.stringify(dropped)).to.deep.equal({ clientType: 'PUBLIC' });
  });

  it('a non-admin who changes where a trusted client\'s codes go loses skip-consent (third attack round)', async () => {
    const { client } = await srv.app.seed.client({ owner: mallory, redirectUris: ['https://trusted.example/cb'], allowedScopes: ['read'], skipAuthorization: true });
    const form = await (await attacker.get(`/o/applications/${client.id}/update/`)).text();
    const post = (uris: string) => attacker.post(`/o/applications/${client.id}/update/`, {
      csrfmiddlewaretoken: csrfFrom(form)!, name: 'Trusted', client_type: 'confidential', grant_types: ['authorization_code'], redirect_uris: uris, allowed_scopes: ['read'],
    });
    expect((await post('https://trusted.example/cb')).status).to.equal(302);
    expect(Number((await clientsOf(mallory.id))[0].skip_authorization)).to.equal(1);
    expect((await post(`https://trusted.example/cb ${ATTACKER_CB}`)).status).to.equal(302);
    expect(Number((await clientsOf(mallory.id))[0].skip_authorization)).to.equal(0);
    // A user following a link to the new URI now sees the consent page: no code goes out unasked.
    const res = await admin.get(`/o/authorize/?${new URLSearchParams({ response_type: 'code', client_id: client.clientId, redirect_uri: ATTACKER_CB, scope: 'read', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' })}`);
    expect(res.status).to.equal(200);
  });

  it('the playground adds its callback through the same rules: a trusted client of a non-admin loses skip-consent', async () => {
    const { client } = await srv.app.seed.client({ owner: mallory, redirectUris: ['https://trusted.example/cb'], allowedScopes: ['read'], skipAuthorization: true });
    const page = await (await attacker.get('/o/playground/')).text();
    const res = await attacker.post('/o/playground/register-callback', { csrfmiddlewaretoken: csrfFrom(page)!, application: String(client.id) });
    expect(res.status).to.equal(302);
    const [row] = await srv.app.stores.sql.all<Record<string, unknown>>('select redirect_uris, skip_authorization from applications where id = ?', [client.id]);
    expect(String(row.redirect_uris)).to.include('/o/playground/callback');
    expect(Number(row.skip_authorization)).to.equal(0);
  });

  it('an administrator can allow privileged capabilities through the same form', async () => {
    const res = await registerForm(admin, { skip_authorization: 'on', allowed_scopes: ['read', 'admin'], grant_types: ['authorization_code', 'password'] });
    expect(res.status).to.equal(302);
    const [row] = await clientsOf(root.id);
    expect(Number(row.skip_authorization)).to.equal(1);
    expect(String(row.allowed_scopes)).to.include('admin');
  });

  describe('the consent page for a client an ordinary user owns (data from before these rules)', () => {
    const authorize = (clientId: string, scope: string) =>
      admin.get(`/o/authorize/?${new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: ATTACKER_CB, scope, state: 's', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' })}`);

    it('is shown to an admin for the admin scope even though the client skips consent: no code reaches the attacker', async () => {
      const { client } = await srv.app.seed.client({ owner: mallory, redirectUris: [ATTACKER_CB], allowedScopes: ['read', 'admin'], skipAuthorization: true });
      const res = await authorize(client.clientId, 'admin');
      expect(res.status).to.equal(200);
      expect(res.headers.get('location')).to.equal(null);
      expect(await srv.app.stores.sql.all('select id from authorization_codes')).to.have.length(0);
      // Ordinary scopes still skip consent for such a client.
      const ordinary = await authorize(client.clientId, 'read');
      expect(ordinary.status).to.equal(302);
      expect(new URL(ordinary.headers.get('location')!).searchParams.get('code')).to.be.a('string');
    });

    it('is skipped for the admin scope when an administrator owns the client', async () => {
      const { client } = await srv.app.seed.client({ owner: root, redirectUris: [ATTACKER_CB], allowedScopes: ['read', 'admin'], skipAuthorization: true });
      const res = await authorize(client.clientId, 'admin');
      expect(res.status).to.equal(302);
    });
  });

  it('a token carries admin only for an admin user, even through a client allowed the scope', async () => {
    const { client, clientSecret } = await srv.app.seed.client({ owner: root, grantTypes: ['password'], allowedScopes: ['read', 'admin'] });
    const res = await postForm(`${srv.url}/o/token/`, { grant_type: 'password', username: 'mallory', password: mallory.password, scope: 'admin' }, { id: client.clientId, secret: clientSecret! });
    expect(res.status).to.equal(400);
    expect((await res.json()).error).to.equal('invalid_scope');
  });

  describe('a refresh carries only what the client and its user may hold now (attacker read 13A, F2)', () => {
    const adminGql = async (query: string, variables: Record<string, unknown>) => {
      const csrf = csrfFrom(await (await admin.get('/o/applications/')).text())!;
      return (await admin.request('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify({ query, variables }) })).json();
    };
    const password = (c: { id: string; secret: string }, user: UserRecord & { password: string }, scope: string) =>
      postForm(`${srv.url}/o/token/`, { grant_type: 'password', username: user.username, password: user.password, scope }, c);
    const refresh = (c: { id: string; secret: string }, token: string) => postForm(`${srv.url}/o/token/`, { grant_type: 'refresh_token', refresh_token: token }, c);

    it('a scope an administrator took from the client is gone from the next refresh (RFC 6749 §6: the new scope may be narrower)', async () => {
      const { client, clientSecret } = await srv.app.seed.client({ owner: root, grantTypes: ['password'], allowedScopes: ['read', 'write'] });
      const c = { id: client.clientId, secret: clientSecret! };
      const first = await (await password(c, mallory, 'read write')).json();
      expect(first.scope).to.equal('read write');
      const updated = await adminGql('mutation($id: ID!, $i: ClientInput!) { updateClient(id: $id, input: $i) { client { allowedScopes } } }', { id: String(client.id), i: { name: client.name, grantTypes: ['PASSWORD'], redirectUris: [], allowedScopes: ['read'] } });
      expect(updated.data?.updateClient?.client?.allowedScopes, JSON.stringify(updated)).to.deep.equal(['read']);
      const res = await refresh(c, first.refresh_token);
      const body = await res.json();
      expect(res.status, JSON.stringify(body)).to.equal(200);
      expect(body.scope).to.equal('read');
      const info = await (await postForm(`${srv.url}/o/introspect/`, { token: body.access_token }, c)).json();
      expect(info.scope).to.equal('read');
    });

    it('an access token issued before an administrator took a privileged scope from its client loses it at once: no more introspecting others (second read 13)', async () => {
      const { client, clientSecret } = await srv.app.seed.client({ owner: root, grantTypes: ['password'], allowedScopes: ['read', 'introspection'] });
      const c = { id: client.clientId, secret: clientSecret! };
      const held = await (await password(c, mallory, 'read introspection')).json();
      const other = await (await password(c, mallory, 'read')).json();
      const asBearer = () => fetch(`${srv.url}/o/introspect/`, { method: 'POST', headers: { authorization: `Bearer ${held.access_token}`, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: other.access_token }) });
      expect((await asBearer()).status).to.equal(200);
      await adminGql('mutation($id: ID!, $i: ClientInput!) { updateClient(id: $id, input: $i) { client { allowedScopes } } }', { id: String(client.id), i: { name: client.name, grantTypes: ['PASSWORD'], redirectUris: [], allowedScopes: ['read'] } });
      expect((await asBearer()).status).to.not.equal(200);
      // Its refresh token went with it; the token without the scope lives on.
      expect((await refresh(c, held.refresh_token)).status).to.equal(400);
      expect((await refresh(c, other.refresh_token)).status).to.equal(200);
    });

    it('a code consented before an administrator took a privileged scope from its client yields a token without it: a privileged scope counts only while the client still has it (attacker read 14, F4/F5)', async () => {
      // The client is an administrator's (the consent page is what a user sees for a privileged scope).
      const setup = await codeFlowSetup(srv, { owner: root, allowedScopes: ['read', 'introspection'] });
      const { code, verifier } = await getCode(setup, { scope: 'read introspection' });
      await adminGql('mutation($id: ID!, $i: ClientInput!) { updateClient(id: $id, input: $i) { client { allowedScopes } } }', { id: String(setup.client.id), i: { name: setup.client.name, grantTypes: ['AUTHORIZATION_CODE'], redirectUris: ['https://client.example.com/cb'], allowedScopes: ['read'] } });
      const res = await postForm(`${srv.url}/o/token/`, { grant_type: 'authorization_code', code, redirect_uri: 'https://client.example.com/cb', code_verifier: verifier }, setup.auth);
      const body = await res.json();
      expect(res.status, JSON.stringify(body)).to.equal(200);
      const asBearer = await fetch(`${srv.url}/o/introspect/`, { method: 'POST', headers: { authorization: `Bearer ${body.access_token}`, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: body.access_token }) });
      expect(asBearer.status).to.not.equal(200);
      const info = await (await postForm(`${srv.url}/o/introspect/`, { token: body.access_token }, setup.auth)).json();
      expect(info).to.include({ active: true, scope: 'read' });
    });

    it('a code or a device code approved before an administrator took any scope from the client yields a token without it, as a refresh does (RFC 6749 §6 narrowing)', async () => {
      const setup = await codeFlowSetup(srv, { owner: root, allowedScopes: ['read', 'write'] });
      const { code, verifier } = await getCode(setup, { scope: 'read write' });
      const DEVICE = 'urn:ietf:params:oauth:grant-type:device_code';
      const { client: device } = await srv.app.seed.client({ owner: root, clientType: 'public', tokenEndpointAuthMethod: 'none', grantTypes: [DEVICE as never], allowedScopes: ['read', 'write'] });
      const d = await (await postForm(`${srv.url}/o/device-authorization/`, { client_id: device.clientId, scope: 'read write' })).json();
      const page = await attacker.get(`/o/device/?user_code=${encodeURIComponent(d.user_code)}`);
      expect((await attacker.post('/o/device/', { csrfmiddlewaretoken: csrfFrom(await page.text())!, user_code: d.user_code, allow: 'allow' })).status).to.be.below(400);
      const take = (c: typeof setup.client, grantTypes: string[], redirectUris: string[]) =>
        adminGql('mutation($id: ID!, $i: ClientInput!) { updateClient(id: $id, input: $i) { client { allowedScopes } } }', { id: String(c.id), i: { name: c.name, clientType: c.clientType === 'public' ? 'PUBLIC' : 'CONFIDENTIAL', grantTypes, redirectUris, allowedScopes: ['read'] } });
      expect((await take(setup.client, ['AUTHORIZATION_CODE'], ['https://client.example.com/cb'])).data?.updateClient?.client?.allowedScopes).to.deep.equal(['read']);
      expect((await take(device, ['DEVICE_CODE'], [])).data?.updateClient?.client?.allowedScopes).to.deep.equal(['read']);
      const fromCode = await (await postForm(`${srv.url}/o/token/`, { grant_type: 'authorization_code', code, redirect_uri: 'https://client.example.com/cb', code_verifier: verifier }, setup.auth)).json();
      const fromDevice = await (await postForm(`${srv.url}/o/token/`, { grant_type: DEVICE, device_code: d.device_code, client_id: device.clientId })).json();
      for (const body of [fromCode, fromDevice]) {
        expect(body.scope, JSON.stringify(body)).to.equal('read');
        // Stored as issued: introspection and the resource endpoints read the row.
        expect(await srv.app.stores.sql.all('select scope from access_tokens where token_hash = ?', [hashToken(body.access_token)])).to.deep.equal([{ scope: 'read' }]);
      }
    });

    it('a claim asked for by name (the claims parameter) is released only while the client still has its scope: the ID Token and UserInfo after the administrator took `email` (attacker read 16, F3)', async () => {
      const setup = await codeFlowSetup(srv, { owner: root, allowedScopes: ['openid', 'read', 'email'] });
      await srv.app.stores.sql.run('update users set email = ? where id = ?', ['carol@secret.example', setup.user.id]);
      const claims = JSON.stringify({ id_token: { email: null }, userinfo: { email: null } });
      const { code, verifier } = await getCode(setup, { scope: 'openid read', nonce: 'n', claims });
      await adminGql('mutation($id: ID!, $i: ClientInput!) { updateClient(id: $id, input: $i) { client { allowedScopes } } }', { id: String(setup.client.id), i: { name: setup.client.name, grantTypes: ['AUTHORIZATION_CODE'], redirectUris: ['https://client.example.com/cb'], allowedScopes: ['openid', 'read'] } });
      const body = await (await postForm(`${srv.url}/o/token/`, { grant_type: 'authorization_code', code, redirect_uri: 'https://client.example.com/cb', code_verifier: verifier }, setup.auth)).json();
      expect(body.scope, JSON.stringify(body)).to.equal('openid read');
      const idToken = JSON.parse(Buffer.from(body.id_token.split('.')[1], 'base64url').toString());
      expect(idToken).to.have.property('sub');
      expect(idToken).to.not.have.property('email');
      const info = await (await fetch(`${srv.url}/userinfo`, { headers: { authorization: `Bearer ${body.access_token}` } })).json();
      expect(info).to.have.property('sub');
      expect(info).to.not.have.property('email');
    });

    it('a code is redeemed only while its redirect URI is still registered: an approval racing a change of the redirect URIs (and so of a pairwise sector) cannot bring its code to the new ones (attacker read 17, F1)', async () => {
      const setup = await codeFlowSetup(srv, { owner: root, allowedScopes: ['read'] });
      const { code, verifier } = await getCode(setup);
      const moved = await adminGql('mutation($id: ID!, $i: ClientInput!) { updateClient(id: $id, input: $i) { client { redirectUris } } }', { id: String(setup.client.id), i: { name: setup.client.name, grantTypes: ['AUTHORIZATION_CODE'], redirectUris: ['https://elsewhere.example/cb'], allowedScopes: ['read'] } });
      expect(moved.data?.updateClient?.client?.redirectUris, JSON.stringify(moved)).to.deep.equal(['https://elsewhere.example/cb']);
      const res = await postForm(`${srv.url}/o/token/`, { grant_type: 'authorization_code', code, redirect_uri: 'https://client.example.com/cb', code_verifier: verifier }, setup.auth);
      expect(res.status).to.equal(400);
      expect((await res.json()).error).to.equal('invalid_grant');
    });

    it('a grant holding the admin scope of a user who is no longer an administrator is as good as revoked, whatever wrote it after the demotion (second read 13)', async () => {
      const dave = await srv.app.seed.user({ username: 'dave', isAdmin: true });
      const { client, clientSecret } = await srv.app.seed.client({ owner: root, grantTypes: ['password'], allowedScopes: ['read', 'admin'] });
      const c = { id: client.clientId, secret: clientSecret! };
      const t = await (await password(c, dave, 'read admin')).json();
      // As an issuance that checked him before a demotion and wrote after it would leave things: the flag gone, the grant live.
      await srv.app.stores.sql.run('update users set is_admin = ? where id = ?', [0, dave.id]);
      const res = await refresh(c, t.refresh_token);
      expect(res.status).to.equal(400);
      expect((await res.json()).error).to.equal('invalid_grant');
    });

    it('a demotion ends the grants whose tokens hold admin even when the grant\'s own scope no longer says so (second read 13)', async () => {
      const erin = await srv.app.seed.user({ username: 'erin', isAdmin: true });
      const { client, clientSecret } = await srv.app.seed.client({ owner: root, grantTypes: ['password'], allowedScopes: ['read', 'admin'] });
      const c = { id: client.clientId, secret: clientSecret! };
      const t = await (await password(c, erin, 'read admin')).json();
      // Two approvals merging at once can leave the grant's scope without admin while its tokens carry it.
      await srv.app.stores.sql.run('update grants set scope = ? where user_id = ?', ['read', erin.id]);
      await adminGql('mutation($id: ID!) { setUserAdmin(id: $id, isAdmin: false) { user { isAdmin } } }', { id: String(erin.id) });
      expect((await refresh(c, t.refresh_token)).status).to.equal(400);
      expect((await (await postForm(`${srv.url}/o/introspect/`, { token: t.access_token }, c)).json()).active).to.equal(false);
    });

    it('a demoted administrator\'s grants holding the admin scope end: neither its refresh token nor its access token works', async () => {
      const carol = await srv.app.seed.user({ username: 'carol', isAdmin: true });
      const { client, clientSecret } = await srv.app.seed.client({ owner: root, grantTypes: ['password'], allowedScopes: ['read', 'admin'] });
      const c = { id: client.clientId, secret: clientSecret! };
      const adminToken = await (await password(c, carol, 'read admin')).json();
      expect(adminToken.scope).to.equal('read admin');
      const demoted = await adminGql('mutation($id: ID!) { setUserAdmin(id: $id, isAdmin: false) { user { isAdmin } } }', { id: String(carol.id) });
      expect(demoted.data?.setUserAdmin?.user, JSON.stringify(demoted)).to.deep.equal({ isAdmin: false });
      const res = await refresh(c, adminToken.refresh_token);
      expect(res.status).to.equal(400);
      expect((await res.json()).error).to.equal('invalid_grant');
      const info = await (await postForm(`${srv.url}/o/introspect/`, { token: adminToken.access_token }, c)).json();
      expect(info.active).to.equal(false);
    });
  });
});
