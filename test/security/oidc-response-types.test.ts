// Implicit and hybrid response types put tokens in the front channel (RFC 9700 §2.1.2): like the implicit grant,
// only an administrator gives them to a client (src/oauth2/privileges.ts), by every path.
import { expect } from 'chai';
import { Browser, createTestApp, csrfFrom, type TestServer } from '../helpers.ts';
import type { UserRecord } from '../../src/accounts/store.ts';

describe('security: implicit and hybrid response types are set by administrators only', () => {
  let srv: TestServer;
  let root: UserRecord & { password: string };
  let owner: UserRecord & { password: string };
  let admin: Browser;
  let user: Browser;
  const CB = 'https://rp.example/cb';

  beforeEach(async () => {
    srv = await createTestApp();
    root = await srv.app.seed.user({ username: 'root', isAdmin: true });
    owner = await srv.app.seed.user({ username: 'owner' });
    admin = new Browser(srv.url);
    user = new Browser(srv.url);
    await admin.login('root', root.password);
    await user.login('owner', owner.password);
  });
  afterEach(() => srv.close());

  const stored = async (id: number) => String((await srv.app.stores.sql.all<Record<string, unknown>>('select response_types from applications where id = ?', [id]))[0].response_types);
  /** A client of the owner to which an administrator gave both grants, but no OpenID response type. */
  const adminGrantedClient = () => srv.app.seed.client({ owner, grantTypes: ['authorization_code', 'implicit'], redirectUris: [CB], allowedScopes: ['openid', 'read'] });

  async function graphql(b: Browser, query: string, variables: Record<string, unknown>) {
    const token = csrfFrom(await (await b.get('/o/applications/')).text())!;
    const res = await b.request('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': token }, body: JSON.stringify({ query, variables }) });
    return res.json() as Promise<{ data?: Record<string, any>; errors?: { extensions: { code: string; fields?: Record<string, string> } }[] }>;
  }
  const UPDATE = 'mutation($id: ID!, $i: ClientInput!) { updateClient(id: $id, input: $i) { client { responseTypes } } }';
  const REGISTER = 'mutation($i: ClientInput!) { registerClient(input: $i) { client { id responseTypes } } }';

  async function updateForm(b: Browser, id: number, extra: Record<string, string | string[]>) {
    const form = await (await b.get(`/o/applications/${id}/update/`)).text();
    return b.post(`/o/applications/${id}/update/`, {
      csrfmiddlewaretoken: csrfFrom(form)!, name: 'RP', client_type: 'confidential', grant_types: ['authorization_code', 'implicit'], redirect_uris: CB, allowed_scopes: ['openid', 'read'], ...extra,
    });
  }

  for (const rt of ['id_token', 'code id_token', 'code token', 'id_token token']) {
    it(`the owner's update form cannot add "${rt}"; nothing changes`, async () => {
      const { client } = await adminGrantedClient();
      const form = await (await user.get(`/o/applications/${client.id}/update/`)).text();
      expect(form, 'the choice is not offered').to.not.include(`value="${rt}"`);
      const res = await updateForm(user, client.id, { response_types: ['code', rt] });
      expect(res.status).to.equal(400);
      expect(await res.text()).to.include('Only administrators');
      expect(await stored(client.id)).to.equal('code,token');
    });
  }

  it('GraphQL updateClient and registerClient refuse them from the owner (BAD_USER_INPUT on responseTypes)', async () => {
    const { client } = await adminGrantedClient();
    const update = await graphql(user, UPDATE, { id: String(client.id), i: { name: 'RP', grantTypes: ['AUTHORIZATION_CODE', 'IMPLICIT'], redirectUris: [CB], allowedScopes: ['openid'], responseTypes: ['CODE', 'CODE_ID_TOKEN'] } });
    expect(update.errors![0].extensions.code).to.equal('BAD_USER_INPUT');
    expect(await stored(client.id)).to.equal('code,token');
    const register = await graphql(user, REGISTER, { i: { name: 'RP', grantTypes: ['AUTHORIZATION_CODE'], redirectUris: [CB], responseTypes: ['CODE_TOKEN'] } });
    expect(register.errors![0].extensions.code).to.equal('BAD_USER_INPUT');
    expect(await srv.app.stores.sql.all('select id from applications where owner_id = ?', [owner.id])).to.have.length(1);
  });

  it('an administrator gives them through the form and GraphQL; the owner then keeps (or drops) them', async () => {
    const { client } = await adminGrantedClient();
    expect((await updateForm(admin, client.id, { response_types: ['code', 'code id_token'] })).status).to.equal(302);
    expect(await stored(client.id)).to.equal('code,code id_token');
    // The owner's form shows the administrator's choice checked, so saving it keeps it.
    const form = await (await user.get(`/o/applications/${client.id}/update/`)).text();
    expect(form).to.match(/value="code id_token" checked/);
    expect((await updateForm(user, client.id, { name: 'Renamed', response_types: ['code', 'code id_token'] })).status).to.equal(302);
    expect(await stored(client.id)).to.equal('code,code id_token');
    // GraphQL left out: kept. Dropping one is allowed.
    const kept = await graphql(user, UPDATE, { id: String(client.id), i: { name: 'RP', grantTypes: ['AUTHORIZATION_CODE', 'IMPLICIT'], redirectUris: [CB], allowedScopes: ['openid'] } });
    expect(kept.errors, JSON.stringify(kept.errors)).to.equal(undefined);
    expect(kept.data!.updateClient.client.responseTypes).to.deep.equal(['CODE', 'CODE_ID_TOKEN']);
    const dropped = await graphql(user, UPDATE, { id: String(client.id), i: { name: 'RP', grantTypes: ['AUTHORIZATION_CODE', 'IMPLICIT'], redirectUris: [CB], allowedScopes: ['openid'], responseTypes: ['CODE'] } });
    expect(dropped.data!.updateClient.client.responseTypes).to.deep.equal(['CODE']);
    const byAdmin = await graphql(admin, REGISTER, { i: { name: 'Admin RP', grantTypes: ['AUTHORIZATION_CODE', 'IMPLICIT'], redirectUris: [CB], responseTypes: ['ID_TOKEN', 'CODE_ID_TOKEN_TOKEN'] } });
    expect(byAdmin.data!.registerClient.client.responseTypes).to.deep.equal(['ID_TOKEN', 'CODE_ID_TOKEN_TOKEN']);
  });

  it('a response type its grants do not allow is refused even for an administrator (Registration §2)', async () => {
    const res = await graphql(admin, REGISTER, { i: { name: 'RP', grantTypes: ['AUTHORIZATION_CODE'], redirectUris: [CB], responseTypes: ['CODE_ID_TOKEN'] } });
    expect(res.errors![0].extensions.code).to.equal('BAD_USER_INPUT');
  });
});
