import { expect } from 'chai';
import { createTestApp, type TestServer } from '../../helpers.ts';
import { postForm } from '../../oauth-helpers.ts';
import { actors, CLIENT_INPUT } from '../../graphql/gql-helpers.ts';
import { Browser } from '../../helpers.ts';
import { dpopKey, proof } from './proofs.ts';

/** RFC 9449 §5.2 dpop_bound_access_tokens: set through GraphQL and dynamic registration, kept on update, enforced. */
describe('RFC 9449 §5.2 dpop_bound_access_tokens (registration metadata, GraphQL)', () => {
  let t: TestServer;
  before(async () => { t = await createTestApp({ registration: 'open' }); });
  after(() => t.close());

  it('GraphQL registerClient/updateClient: dpopBoundAccessTokens is stored, read back, and kept when left out', async () => {
    const a = await actors(t);
    const made = await a.user('mutation($input: ClientInput!) { registerClient(input: $input) { client { id dpopBoundAccessTokens } } }', { input: { ...CLIENT_INPUT, dpopBoundAccessTokens: true } });
    expect(made.errors, JSON.stringify(made.errors)).to.equal(undefined);
    const c = made.data.registerClient.client;
    expect(c.dpopBoundAccessTokens).to.equal(true);
    const updated = await a.user('mutation($id: ID!, $input: ClientInput!) { updateClient(id: $id, input: $input) { client { dpopBoundAccessTokens } } }', { id: c.id, input: { ...CLIENT_INPUT, name: 'Renamed' } });
    expect(updated.errors, JSON.stringify(updated.errors)).to.equal(undefined);
    expect(updated.data.updateClient.client.dpopBoundAccessTokens).to.equal(true);
  });

  it('refused with a response type that issues a token from the authorization endpoint (implicit, hybrid): no proof can bind it there', async () => {
    const res = await fetch(`${t.url}/o/register`, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: ['https://client.example.com/cb'], grant_types: ['authorization_code', 'implicit'], response_types: ['code', 'token'], token_endpoint_auth_method: 'none', dpop_bound_access_tokens: true }) });
    expect(res.status).to.equal(400);
    const body = await res.json() as Record<string, string>;
    expect(body.error).to.equal('invalid_client_metadata');
    expect(body.error_description).to.contain('DPoP');
    const ok = await fetch(`${t.url}/o/register`, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: ['https://client.example.com/cb'], grant_types: ['authorization_code'], token_endpoint_auth_method: 'none', dpop_bound_access_tokens: true }) });
    expect(ok.status).to.equal(201);
  });

  it('the applications form: the checkbox sets it, unticking clears it', async () => {
    const owner = await t.app.seed.user({ username: 'form-owner', password: 'form-owner-password' });
    const b = new Browser(t.url);
    await b.login('form-owner', 'form-owner-password');
    const fields = { name: 'Form app', client_type: 'confidential', grant_types: ['client_credentials'], redirect_uris: '', allowed_scopes: ['read'] };
    const made = await b.post('/o/applications/register/', { ...(await b.formFields('/o/applications/register/')), ...fields, dpop_bound_access_tokens: 'on' });
    expect(made.status, await made.clone().text()).to.equal(302);
    const id = Number(/\/o\/applications\/(\d+)\//.exec(made.headers.get('location')!)![1]);
    const flag = async () => Boolean((await t.app.stores.sql.all<any>('select dpop_bound_access_tokens as f from applications where id = ?', [id]))[0].f);
    expect(await flag()).to.equal(true);
    expect(await (await b.get(`/o/applications/${id}/update/`)).text()).to.match(/name="dpop_bound_access_tokens" value="on" checked/);
    const upd = await b.post(`/o/applications/${id}/update/`, { csrfmiddlewaretoken: (await b.csrf(`/o/applications/${id}/update/`))!, ...fields });
    expect(upd.status).to.equal(302);
    expect(await flag()).to.equal(false);
    expect(owner.username).to.equal('form-owner');
  });

  it('dynamic registration: dpop_bound_access_tokens is returned, and the client\'s token requests need a proof', async () => {
    const res = await fetch(`${t.url}/o/register`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ redirect_uris: ['https://rp.example/cb'], grant_types: ['client_credentials'], response_types: [], dpop_bound_access_tokens: true }) });
    expect(res.status, JSON.stringify(await res.clone().json())).to.equal(201);
    const reg = await res.json();
    expect(reg.dpop_bound_access_tokens).to.equal(true);
    const auth = { id: reg.client_id, secret: reg.client_secret };
    const token = `${t.url}/o/token/`;
    const bare = await postForm(token, { grant_type: 'client_credentials' }, auth);
    expect(bare.status).to.equal(400);
    expect((await bare.json()).error).to.equal('invalid_dpop_proof');
    const ok = await postForm(token, { grant_type: 'client_credentials' }, auth, { DPoP: await proof(await dpopKey(), { htu: token }) });
    expect(ok.status).to.equal(200);
    expect((await ok.json()).token_type).to.equal('DPoP');
    const bad = await fetch(`${t.url}/o/register`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ redirect_uris: ['https://rp.example/cb'], dpop_bound_access_tokens: 'yes' }) });
    expect(bad.status).to.equal(400);
    expect((await bad.json()).error).to.equal('invalid_client_metadata');
  });
});
