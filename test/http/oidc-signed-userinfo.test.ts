import { expect } from 'chai';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { createTestApp, csrfFrom, formFieldsFrom, type TestServer } from '../helpers.ts';
import { codeFlowSetup, codeFlowTokens } from '../oauth-helpers.ts';
import { actors, CLIENT_INPUT } from '../graphql/gql-helpers.ts';

describe('OpenID Connect Core §5.3.2 / Registration §2: signed UserInfo responses (userinfo_signed_response_alg)', () => {
  let t: TestServer;
  let as: Awaited<ReturnType<typeof actors>>;
  before(async () => { t = await createTestApp(); as = await actors(t); });
  after(() => t.close());

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const jwks = async () => createLocalJWKSet(await (await fetch(`${t.url}/o/.well-known/jwks.json`)).json() as JSONWebKeySet);

  for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) {
    it(`${alg}: application/jwt, a JWS by our key of that alg, with iss and aud added to the claims`, async () => {
      const s = await codeFlowSetup(t, { allowedScopes: ['openid', 'profile'], userinfoSignedResponseAlg: alg });
      const { access_token } = await codeFlowTokens(t, s, { scope: 'openid profile' });
      for (const method of ['GET', 'POST']) {
        const res = await fetch(`${t.url}/o/userinfo/`, { method, headers: bearer(access_token) });
        expect(res.status).to.equal(200);
        expect(res.headers.get('content-type')).to.match(/^application\/jwt(;|$)/);
        expect(res.headers.get('cache-control')).to.equal('no-store');
        const jws = await res.text();
        expect(decodeProtectedHeader(jws).alg).to.equal(alg);
        const { payload } = await jwtVerify(jws, await jwks(), { issuer: t.app.config.issuer, audience: s.client.clientId, algorithms: [alg] });
        expect(payload).to.include({ sub: String(s.user.id), preferred_username: s.user.username, iss: t.app.config.issuer, aud: s.client.clientId });
      }
    });
  }

  it('unset (the default): JSON as before', async () => {
    const s = await codeFlowSetup(t, { allowedScopes: ['openid'] });
    const { access_token } = await codeFlowTokens(t, s, { scope: 'openid' });
    const res = await fetch(`${t.url}/userinfo`, { headers: bearer(access_token) });
    expect(res.headers.get('content-type')).to.match(/^application\/json/);
    expect(await res.json()).to.deep.equal({ sub: String(s.user.id) });
  });

  it('errors stay RFC 6750 JSON for a signing client', async () => {
    await codeFlowSetup(t, { allowedScopes: ['openid'], userinfoSignedResponseAlg: 'ES256' });
    const res = await fetch(`${t.url}/userinfo`, { headers: bearer('nope') });
    expect(res.status).to.equal(401);
    expect((await res.json()).error).to.equal('invalid_token');
  });

  it('set and unset through GraphQL (left out keeps it, null clears it); none or an unknown alg is refused', async () => {
    const REG = 'mutation($input: ClientInput!) { registerClient(input: $input) { client { id userinfoSignedResponseAlg } } }';
    const UPD = 'mutation($id: ID!, $input: ClientInput!) { updateClient(id: $id, input: $input) { client { userinfoSignedResponseAlg } } }';
    const made = await as.user(REG, { input: { ...CLIENT_INPUT, userinfoSignedResponseAlg: 'EDDSA' } });
    expect(made.data.registerClient.client.userinfoSignedResponseAlg).to.equal('EDDSA');
    const id = made.data.registerClient.client.id;
    expect((await as.user(UPD, { id, input: CLIENT_INPUT })).data.updateClient.client.userinfoSignedResponseAlg).to.equal('EDDSA');
    expect((await as.user(UPD, { id, input: { ...CLIENT_INPUT, userinfoSignedResponseAlg: null } })).data.updateClient.client.userinfoSignedResponseAlg).to.equal(null);
    // Not a SigningAlg: refused before any resolver runs (Core §10.1: never `none`).
    const none = await as.user(REG, { input: { ...CLIENT_INPUT, userinfoSignedResponseAlg: 'NONE' } });
    expect(none.errors).to.have.length(1);
    expect(none.data ?? null).to.equal(null);
  });

  it('set from the registration form, stored, and shown again on the edit form', async () => {
    const browser = await as.aliceBrowser();
    const form = await (await browser.get('/o/applications/register/')).text();
    const post = await browser.post('/o/applications/register/', {
      ...formFieldsFrom(form), name: 'Signed userinfo', client_type: 'confidential', grant_types: 'authorization_code',
      redirect_uris: 'https://client.example.com/cb', userinfo_signed_response_alg: 'ES256', subject_type: 'pairwise', sector_identifier_uri: '',
    });
    expect(post.status).to.equal(302);
    const rows = await t.app.stores.sql.all<{ id: number; userinfo_signed_response_alg: string; subject_type: string }>('select id, userinfo_signed_response_alg, subject_type from applications where name = ?', ['Signed userinfo']);
    expect(rows.map(({ userinfo_signed_response_alg, subject_type }) => ({ userinfo_signed_response_alg, subject_type }))).to.deep.equal([{ userinfo_signed_response_alg: 'ES256', subject_type: 'pairwise' }]);
    const edit = await (await browser.get(`/o/applications/${rows[0].id}/update/`)).text();
    expect(edit).to.match(/<option value="ES256" selected/);
    expect(edit).to.match(/<option value="pairwise" selected/);
    // A bad value is a field error on the form, never a 500.
    const bad = await browser.post('/o/applications/register/', { csrfmiddlewaretoken: csrfFrom(form)!, name: 'Bad', grant_types: 'authorization_code', redirect_uris: 'https://client.example.com/cb', userinfo_signed_response_alg: 'none' });
    expect(bad.status).to.equal(400);
  });
});
