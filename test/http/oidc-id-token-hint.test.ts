import { expect } from 'chai';
import { generateKeyPair, SignJWT } from 'jose';
import { createTestApp, type Browser, type TestServer } from '../helpers.ts';
import { codeFlowSetup, codeFlowTokens, pkcePair } from '../oauth-helpers.ts';

describe('OpenID Connect Core §3.1.2.1: id_token_hint on the authorization request', () => {
  let t: TestServer;
  before(async () => { t = await createTestApp(); });
  after(() => t.close());

  const setup = () => codeFlowSetup(t, { allowedScopes: ['openid', 'read'], skipAuthorization: true });
  type Setup = Awaited<ReturnType<typeof setup>>;
  const authorize = (s: Setup, extra: Record<string, string>, browser: Browser = s.browser) =>
    browser.get(`/o/authorize/?${new URLSearchParams({ response_type: 'code', client_id: s.client.clientId, redirect_uri: 'https://client.example.com/cb', scope: 'openid', state: 'st', code_challenge: pkcePair().challenge, code_challenge_method: 'S256', ...extra })}`);
  const location = (res: Response) => new URL(res.headers.get('location')!, t.url);
  /** An ID Token signed by our current RS256 key, with any claims (an expired one, another audience). */
  async function ours(claims: Record<string, unknown>) {
    const key = await t.app.signingKeys.signingKey('RS256');
    return new SignJWT({ iss: t.app.config.issuer, iat: 1, exp: 2, ...claims }).setProtectedHeader({ alg: 'RS256', kid: key.kid }).sign(key.key);
  }

  it('an ID Token we issued to this client, for the signed-in user, lets the request proceed', async () => {
    const s = await setup();
    const { id_token } = await codeFlowTokens(t, s, { scope: 'openid' });
    const res = await authorize(s, { id_token_hint: id_token, prompt: 'none' });
    expect(res.status).to.equal(302);
    expect(location(res).searchParams.get('code')).to.be.a('string');
  });

  it('an expired hint is accepted (expiry is not required)', async () => {
    const s = await setup();
    const res = await authorize(s, { id_token_hint: await ours({ sub: String(s.user.id), aud: s.client.clientId }) });
    expect(location(res).searchParams.get('code')).to.be.a('string');
  });

  const invalid: [string, (s: Setup) => Promise<string>][] = [
    ['signed by a key that is not ours', async (s) => {
      const { privateKey } = await generateKeyPair('RS256');
      return new SignJWT({ iss: t.app.config.issuer, sub: String(s.user.id), aud: s.client.clientId }).setProtectedHeader({ alg: 'RS256', kid: (await t.app.signingKeys.signingKey('RS256')).kid }).sign(privateKey);
    }],
    ['unsigned (alg none)', async (s) => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ iss: t.app.config.issuer, sub: String(s.user.id), aud: s.client.clientId })).toString('base64url')}.`],
    ['issued to another client', async (s) => ours({ sub: String(s.user.id), aud: 'another-client' })],
    ['from another issuer', async (s) => ours({ iss: 'https://elsewhere.example', sub: String(s.user.id), aud: s.client.clientId })],
    ['not a JWT', async () => 'not-a-token'],
  ];
  for (const [what, make] of invalid) {
    it(`a hint ${what} is invalid_request, redirected with state, and nothing is issued`, async () => {
      const s = await setup();
      const res = await authorize(s, { id_token_hint: await make(s) });
      expect(res.status).to.equal(302);
      const loc = location(res);
      expect(loc.origin).to.equal('https://client.example.com');
      expect(loc.searchParams.get('error')).to.equal('invalid_request');
      expect(loc.searchParams.get('state')).to.equal('st');
      expect(loc.searchParams.has('code')).to.equal(false);
    });
  }

  it('another user signed in: prompt=none answers login_required', async () => {
    const s = await setup();
    const other = await t.app.seed.user({ username: 'hinted-none' });
    const res = await authorize(s, { id_token_hint: await ours({ sub: String(other.id), aud: s.client.clientId }), prompt: 'none' });
    expect(location(res).searchParams.get('error')).to.equal('login_required');
    expect(location(res).searchParams.get('state')).to.equal('st');
  });

  it('another user signed in: the login page asks for the hinted user (like login_hint); the session stays until that login', async () => {
    const s = await setup();
    const other = await t.app.seed.user({ username: 'hinted-user' });
    const res = await authorize(s, { id_token_hint: await ours({ sub: String(other.id), aud: s.client.clientId }) });
    expect(res.status).to.equal(302);
    const login = location(res);
    expect(login.pathname).to.equal('/accounts/login/');
    expect(login.searchParams.get('reauth')).to.equal('1');
    const next = login.searchParams.get('next')!;
    expect(new URLSearchParams(next.split('?')[1]).get('login_hint')).to.equal('hinted-user');
    // Still signed in as the first user: no logout by link.
    expect((await s.browser.get('/o/applications/')).status).to.equal(200);
    // Logging in as the hinted user, the same request goes through, for them.
    await s.browser.login('hinted-user', other.password, next, login.pathname + login.search);
    const again = await s.browser.get(next);
    expect(again.status).to.equal(302);
    expect(location(again).searchParams.get('code')).to.be.a('string');
  });

  it('a hint signed by an earlier key still in the JWKS is ours too (after a rotation)', async () => {
    const s = await setup();
    const before = await ours({ sub: String(s.user.id), aud: s.client.clientId });
    await t.app.signingKeys.rotate({ force: true });
    const res = await authorize(s, { id_token_hint: before });
    expect(location(res).searchParams.get('code')).to.be.a('string');
  });
});
