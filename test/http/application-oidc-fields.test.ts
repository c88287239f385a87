import { expect } from 'chai';
import { Browser, createTestApp, formFieldsFrom, type TestServer } from '../helpers.ts';
import { actors, CLIENT_INPUT } from '../graphql/gql-helpers.ts';

// A client's OpenID Connect settings through the two doors people use, as its owner and as an administrator:
// RFC 9068 access_token_format, Registration §2 id_token_signed_response_alg, RP-Initiated Logout §3.1
// post_logout_redirect_uris and Back-Channel Logout §2.2 backchannel_logout_uri (+ session_required).
// Valid values are stored and shown again; invalid ones get a field error (form: 400; GraphQL: BAD_USER_INPUT or a
// validation error), never a 500, and store nothing.
describe('the OpenID Connect fields of an application: form and GraphQL, owner and administrator', () => {
  let t: TestServer;
  let a: Awaited<ReturnType<typeof actors>>;
  let alice: Browser;
  let root: Browser;
  before(async () => {
    t = await createTestApp();
    a = await actors(t);
    alice = await a.aliceBrowser();
    root = new Browser(t.url);
    await root.login('root', a.root.password);
  });
  after(() => t.close());

  const row = async (where: string, value: string | number) =>
    (await t.app.stores.sql.all<Record<string, unknown>>(`select * from applications where ${where} = ?`, [value]))[0];
  const count = async () => Number((await t.app.stores.sql.all<{ n: number }>('select count(*) as n from applications'))[0].n);
  const OIDC_FORM = {
    access_token_format: 'jwt', id_token_signed_response_alg: 'ES256',
    post_logout_redirect_uris: 'https://rp.example/after\nhttps://rp.example/bye', backchannel_logout_uri: 'https://rp.example/backchannel',
    backchannel_logout_session_required: 'on',
  };
  const BAD_FORM = {
    access_token_format: 'paseto', id_token_signed_response_alg: 'none', post_logout_redirect_uris: 'https://rp.example/after#fragment',
    backchannel_logout_uri: 'https://user:secret@rp.example/backchannel',
  };
  const BAD_FIELDS = ['access_token_format', 'id_token_signed_response_alg', 'post_logout_redirect_uris', 'backchannel_logout_uri'];

  async function submit(b: Browser, path: string, fields: Record<string, string | string[]>) {
    const html = await (await b.get(path)).text();
    return b.post(path, {
      ...formFieldsFrom(html), name: 'RP', client_type: 'confidential', grant_types: ['authorization_code'],
      redirect_uris: 'https://rp.example/cb', allowed_scopes: ['openid', 'profile'], ...fields,
    });
  }
  const stored = (r: Record<string, unknown>) => ({
    access_token_format: r.access_token_format, id_token_signed_response_alg: r.id_token_signed_response_alg,
    post_logout_redirect_uris: String(r.post_logout_redirect_uris).split(' ').filter(Boolean), backchannel_logout_uri: r.backchannel_logout_uri,
    backchannel_logout_session_required: Boolean(r.backchannel_logout_session_required),
  });
  const STORED = {
    access_token_format: 'jwt', id_token_signed_response_alg: 'ES256', post_logout_redirect_uris: ['https://rp.example/after', 'https://rp.example/bye'],
    backchannel_logout_uri: 'https://rp.example/backchannel', backchannel_logout_session_required: true,
  };
  /** The field names the re-rendered form marks with an error paragraph right after them. */
  const erroneous = (html: string) => BAD_FIELDS.filter((f) => new RegExp(`(name="${f}"[\\s\\S]*?</(select|textarea)>|name="${f}"[^>]*>)\\s*<p class="error" role="alert">`).test(html));

  describe('the registration form', () => {
    for (const who of ['owner', 'administrator'] as const) {
      it(`${who}: registers the four fields, stores them, and shows them again on the edit page`, async () => {
        const b = who === 'owner' ? alice : root;
        const res = await submit(b, '/o/applications/register/', { ...OIDC_FORM, name: `RP of the ${who}` });
        expect(res.status, await res.clone().text().then((h) => h.slice(0, 300))).to.equal(302);
        const r = await row('name', `RP of the ${who}`);
        expect(stored(r)).to.deep.equal(STORED);
        const edit = await (await b.get(`/o/applications/${String(r.id)}/update/`)).text();
        expect(/<select id="access_token_format"[\s\S]*?<option value="jwt" selected/.test(edit)).to.equal(true);
        expect(/<select id="id_token_signed_response_alg"[\s\S]*?<option value="ES256" selected/.test(edit)).to.equal(true);
        expect(/<textarea id="post_logout_redirect_uris"[^>]*>([^<]*)</.exec(edit)?.[1]).to.equal('https://rp.example/after\nhttps://rp.example/bye');
        expect(/<input id="backchannel_logout_uri"[^>]*value="([^"]*)"/.exec(edit)?.[1]).to.equal('https://rp.example/backchannel');
        expect(/<input[^>]*name="backchannel_logout_session_required"[^>]*checked/.test(edit)).to.equal(true);
        expect(erroneous(edit)).to.deep.equal([]);
      });

      it(`${who}: invalid values are a 400 marking each field, and nothing is stored`, async () => {
        const b = who === 'owner' ? alice : root;
        const before = await count();
        const res = await submit(b, '/o/applications/register/', BAD_FORM);
        expect(res.status).to.equal(400);
        expect(erroneous(await res.text())).to.have.members(BAD_FIELDS);
        const notBoolean = await submit(b, '/o/applications/register/', { ...OIDC_FORM, backchannel_logout_session_required: 'perhaps' });
        expect(notBoolean.status).to.equal(400);
        expect(await count()).to.equal(before);
      });
    }

    it('an administrator edits another user\'s application: the fields change; invalid ones leave the row as it was', async () => {
      await submit(alice, '/o/applications/register/', { name: 'Alice RP' });
      const r = await row('name', 'Alice RP');
      expect(r.access_token_format).to.equal('opaque');
      expect(r.id_token_signed_response_alg).to.equal('RS256');
      const path = `/o/applications/${String(r.id)}/update/`;
      const ok = await submit(root, path, { ...OIDC_FORM, name: 'Alice RP' });
      expect(ok.status).to.equal(302);
      expect(stored(await row('id', Number(r.id)))).to.deep.equal(STORED);
      const bad = await submit(root, path, { ...BAD_FORM, name: 'Alice RP' });
      expect(bad.status).to.equal(400);
      expect(erroneous(await bad.text())).to.have.members(BAD_FIELDS);
      expect(stored(await row('id', Number(r.id)))).to.deep.equal(STORED);
      // The owner sees the administrator's choices on her page.
      const edit = await (await alice.get(path)).text();
      expect(/<select id="access_token_format"[\s\S]*?<option value="jwt" selected/.test(edit)).to.equal(true);
    });
  });

  describe('GraphQL registerClient / updateClient', () => {
    const OIDC_INPUT = {
      accessTokenFormat: 'JWT', idTokenSignedResponseAlg: 'EDDSA', postLogoutRedirectUris: ['https://rp.example/after'],
      backchannelLogoutUri: 'https://rp.example/backchannel', backchannelLogoutSessionRequired: true,
    };
    const FIELDS = 'id clientId accessTokenFormat idTokenSignedResponseAlg postLogoutRedirectUris backchannelLogoutUri backchannelLogoutSessionRequired';
    const register = (as: 'user' | 'admin', input: Record<string, unknown>) =>
      a[as](`mutation ($input: ClientInput!) { registerClient(input: $input) { client { ${FIELDS} } } }`, { input: { ...CLIENT_INPUT, allowedScopes: ['openid'], ...input } });
    const update = (as: 'user' | 'admin', id: string, input: Record<string, unknown>) =>
      a[as](`mutation ($id: ID!, $input: ClientInput!) { updateClient(id: $id, input: $input) { client { ${FIELDS} } } }`, { id, input: { ...CLIENT_INPUT, allowedScopes: ['openid'], ...input } });

    for (const who of ['user', 'admin'] as const) {
      it(`${who === 'user' ? 'owner' : 'administrator'}: registers the fields and reads them back, as stored`, async () => {
        const { status, data, errors } = await register(who, OIDC_INPUT);
        expect(status).to.equal(200);
        expect(errors).to.equal(undefined);
        const { id, clientId, ...fields } = data.registerClient.client as Record<string, unknown>;
        expect(id).to.be.a('string');
        expect(fields).to.deep.equal(OIDC_INPUT);
        expect(stored(await row('client_id', String(clientId)))).to.deep.equal({
          access_token_format: 'jwt', id_token_signed_response_alg: 'EdDSA', post_logout_redirect_uris: ['https://rp.example/after'],
          backchannel_logout_uri: 'https://rp.example/backchannel', backchannel_logout_session_required: true,
        });
      });

      it(`${who === 'user' ? 'owner' : 'administrator'}: bad URIs are BAD_USER_INPUT with each field's path; nothing stored`, async () => {
        const before = await count();
        const r = await register(who, { postLogoutRedirectUris: ['https://rp.example/after#fragment'], backchannelLogoutUri: 'ftp://rp.example/backchannel' });
        expect(r.status).to.equal(200);
        expect(r.data).to.equal(null);
        expect(r.errors![0].extensions.code).to.equal('BAD_USER_INPUT');
        expect(r.errors![0].extensions.fields.map((f: { path: string[] }) => f.path.join('.'))).to.have.members(['input.postLogoutRedirectUris', 'input.backchannelLogoutUri']);
        expect(await count()).to.equal(before);
      });

      it(`${who === 'user' ? 'owner' : 'administrator'}: an algorithm or format outside the enums is a validation error naming it, not a 500`, async () => {
        const before = await count();
        for (const input of [{ idTokenSignedResponseAlg: 'NONE' }, { idTokenSignedResponseAlg: 'HS256' }, { accessTokenFormat: 'PASETO' }, { backchannelLogoutSessionRequired: 'yes' }]) {
          const r = await register(who, input);
          const field = Object.keys(input)[0];
          expect(r.status, field).to.be.oneOf([200, 400]);
          expect(r.errors, field).to.have.length(1);
          expect(r.errors![0].message, field).to.include(field);
          // An enum outside its values fails variable coercion (GraphQL spec §6.1.2): a request error, before any resolver.
          expect(r.errors![0].extensions?.code, field).to.be.oneOf([undefined, 'BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED']);
          expect(r.data ?? null, field).to.equal(null);
        }
        expect(await count()).to.equal(before);
      });
    }

    it('an administrator updates a user\'s client; an invalid update leaves it as it was', async () => {
      const mine = await register('user', {});
      const id = mine.data.registerClient.client.id as string;
      expect(mine.data.registerClient.client).to.include({ accessTokenFormat: 'OPAQUE', idTokenSignedResponseAlg: 'RS256', backchannelLogoutUri: null });
      const changed = await update('admin', id, OIDC_INPUT);
      expect(changed.errors).to.equal(undefined);
      expect(changed.data.updateClient.client).to.deep.include(OIDC_INPUT);
      const refused = await update('admin', id, { ...OIDC_INPUT, backchannelLogoutUri: 'https://rp.example/bc#x' });
      expect(refused.errors![0].extensions.fields.map((f: { path: string[] }) => f.path.join('.'))).to.deep.equal(['input.backchannelLogoutUri']);
      const read = await a.user(`query ($id: ID!) { client(id: $id) { ${FIELDS} } }`, { id });
      expect(read.data.client).to.deep.include(OIDC_INPUT);
    });
  });
});
