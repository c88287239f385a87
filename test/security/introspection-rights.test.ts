// Issue 17 #16: a client introspects its own tokens; other clients' only when an administrator made it a resource
// server (the introspection scope), or with a bearer token holding that scope. And RFC 8252 §7.3 loopback ports.
import { expect } from 'chai';
import { createTestApp, type TestServer } from '../helpers.ts';
import { authorizeThroughConsent, codeFlowSetup, pkcePair, postForm } from '../oauth-helpers.ts';

describe('security: RFC 7662 introspection rights (issue 17 #16)', () => {
  let srv: TestServer;
  beforeEach(async () => { srv = await createTestApp(); });
  afterEach(() => srv.close());

  async function clientWithToken(name: string, allowedScopes = ['read']) {
    const owner = await srv.app.seed.user({ username: name });
    const { client, clientSecret } = await srv.app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: [], allowedScopes });
    const auth = { id: client.clientId, secret: clientSecret! };
    const scope = allowedScopes.join(' ');
    const token = (await (await postForm(`${srv.url}/o/token/`, { grant_type: 'client_credentials', scope }, auth)).json()).access_token as string;
    return { auth, token };
  }
  const introspect = async (token: string, auth?: { id: string; secret: string }, headers: Record<string, string> = {}) => {
    const res = await postForm(`${srv.url}/o/introspect/`, { token }, auth, headers);
    expect(res.status).to.equal(200);
    return res.json();
  };

  it('a client sees its own token, and another client\'s token is inactive to it', async () => {
    const a = await clientWithToken('alice');
    const b = await clientWithToken('bob');
    expect((await introspect(a.token, a.auth)).active).to.equal(true);
    expect(await introspect(b.token, a.auth)).to.deep.equal({ active: false });
  });

  it('a resource server an administrator allowed the introspection scope sees every client\'s tokens', async () => {
    const b = await clientWithToken('bob');
    const rs = await clientWithToken('rs', ['introspection']);
    const body = await introspect(b.token, rs.auth);
    expect(body.active).to.equal(true);
    expect(body.client_id).to.equal(b.auth.id);
  });

  it('a bearer token with the introspection scope sees every client\'s tokens; one without it is refused', async () => {
    const b = await clientWithToken('bob');
    const rs = await clientWithToken('rs', ['introspection']);
    expect((await introspect(b.token, undefined, { authorization: `Bearer ${rs.token}` })).active).to.equal(true);
    const res = await postForm(`${srv.url}/o/introspect/`, { token: rs.token }, undefined, { authorization: `Bearer ${b.token}` });
    expect(res.status).to.equal(401);
    expect((await res.json()).error).to.equal('invalid_client');
  });
});

describe('RFC 8252 §7.3: loopback IP redirect URIs accept any port (issue 17 #16)', () => {
  let srv: TestServer;
  beforeEach(async () => { srv = await createTestApp(); });
  afterEach(() => srv.close());

  for (const host of ['127.0.0.1', '[::1]']) {
    it(`a native app registered with http://${host}/callback gets its code on the port the OS gave it`, async () => {
      const s = await codeFlowSetup(srv, { clientType: 'public', redirectUris: [`http://${host}/callback`] });
      const { verifier, challenge } = pkcePair();
      const redirectUri = `http://${host}:53124/callback`;
      const loc = await authorizeThroughConsent(s.browser, { response_type: 'code', client_id: s.client.clientId, redirect_uri: redirectUri, scope: 'read', state: 'st', code_challenge: challenge, code_challenge_method: 'S256' });
      expect(loc.origin).to.equal(`http://${host}:53124`);
      const code = loc.searchParams.get('code')!;
      const res = await postForm(`${srv.url}/o/token/`, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier, client_id: s.client.clientId });
      expect(res.status).to.equal(200);
      expect((await res.json()).access_token).to.be.a('string');
    });
  }

  const refused = ['http://127.0.0.1:99999/callback', 'http://[::1]:65536/callback', 'http://127.0.0.1:53124/other', 'http://localhost:53124/callback', 'http://127.0.0.1:53124@evil.example/callback', 'http://127.0.0.1.evil.example/callback', 'https://127.0.0.1:53124/callback'];
  for (const redirectUri of refused) {
    it(`anything but the port must still match exactly: ${redirectUri} is refused without a redirect`, async () => {
      const s = await codeFlowSetup(srv, { clientType: 'public', redirectUris: ['http://127.0.0.1/callback', 'http://localhost/callback'] });
      const res = await s.browser.get(`/o/authorize/?${new URLSearchParams({ response_type: 'code', client_id: s.client.clientId, redirect_uri: redirectUri, scope: 'read', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' })}`);
      expect(res.status).to.equal(400);
      expect(res.headers.get('location')).to.equal(null);
    });
  }
});
