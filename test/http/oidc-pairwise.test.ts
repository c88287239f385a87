import { expect } from 'chai';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { createLocalJWKSet, decodeJwt, jwtVerify, type JSONWebKeySet } from 'jose';
import { Browser, createTestApp, csrfFrom, type TestServer } from '../helpers.ts';
import { authorizeThroughConsent, codeFlowSetup, codeFlowTokens, consentForm, pkcePair, postForm } from '../oauth-helpers.ts';
import { actors, CLIENT_INPUT, gql } from '../graphql/gql-helpers.ts';
import { Subjects } from '../../src/oidc/subject.ts';
import { parseKey } from '../../src/oauth1/secret-box.ts';

/**
 * Serves a sector_identifier_uri document (Registration §5) at /sector.json; `body` is what it answers. A path under
 * /hang is held unanswered until `release()`.
 */
function sectorServer(): Promise<{ url: string; set(status: number, body: string): void; hits: () => number; release(): void; server: Server }> {
  let answer = { status: 200, body: '[]' };
  let hits = 0;
  let held: ServerResponse[] = [];
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/hang')) { held.push(res); return; }
    hits++;
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/sector.json`,
    set(status, body) { answer = { status, body }; },
    hits: () => hits,
    release() { for (const res of held) res.destroy(); held = []; },
    server,
  })));
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('OpenID Connect Core §8: pairwise subject identifiers', () => {
  let t: TestServer;
  let sector: Awaited<ReturnType<typeof sectorServer>>;
  // The sector document's host is loopback: reached through the outbound allow-list, as back-channel logout tests do.
  before(async () => { sector = await sectorServer(); t = await createTestApp({ outboundAllowedHosts: ['127.0.0.1'] }); });
  after(async () => { await t.close(); sector.server.close(); });

  const pairwise = (extra = {}) => codeFlowSetup(t, { allowedScopes: ['openid', 'read'], subjectType: 'pairwise', accessTokenFormat: 'jwt', ...extra });
  const idTokenSub = async (s: Awaited<ReturnType<typeof pairwise>>) => {
    const tokens = await codeFlowTokens(t, s, { scope: 'openid', nonce: 'n' });
    return { sub: decodeJwt(tokens.id_token).sub!, tokens };
  };

  it('§8.1: every place a sub is emitted agrees for a pairwise client, and it is not the user id', async () => {
    const s = await pairwise();
    const { sub, tokens } = await idTokenSub(s);
    expect(sub).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(sub).to.not.equal(String(s.user.id));
    // The ID Token verifies against the JWKS with its pairwise sub.
    const jwks = createLocalJWKSet(await (await fetch(`${t.url}/o/.well-known/jwks.json`)).json() as JSONWebKeySet);
    expect((await jwtVerify(tokens.id_token, jwks, { issuer: t.app.config.issuer, audience: s.client.clientId })).payload.sub).to.equal(sub);
    // UserInfo (Core §5.3.2: the same sub as the ID Token), the RFC 9068 access token, introspection.
    expect((await (await fetch(`${t.url}/userinfo`, { headers: bearer(tokens.access_token) })).json()).sub).to.equal(sub);
    expect((await jwtVerify(tokens.access_token, jwks, { typ: 'at+jwt' })).payload.sub).to.equal(sub);
    const intro = await (await postForm(`${t.url}/o/introspect/`, { token: tokens.access_token }, s.auth)).json();
    expect(intro).to.include({ active: true, sub });
    // The username is one name for every client: a pairwise client is not told it by introspection.
    expect(intro).to.not.have.property('username');
    // A refreshed ID Token keeps it (Core §12.2).
    const refreshed = await (await postForm(`${t.url}/o/token/`, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }, s.auth)).json();
    expect(decodeJwt(refreshed.id_token).sub).to.equal(sub);
  });

  it('§8.1: two clients of one sector (one redirect host) get the same sub; a public client gets the user id', async () => {
    const a = await pairwise();
    const b = await codeFlowSetup(t, { owner: a.user, allowedScopes: ['openid'], subjectType: 'pairwise', redirectUris: ['https://client.example.com/cb', 'https://client.example.com/other'] });
    b.browser = a.browser;
    const c = await codeFlowSetup(t, { owner: a.user, allowedScopes: ['openid'] });
    c.browser = a.browser;
    const subA = (await idTokenSub(a)).sub;
    expect((await idTokenSub({ ...b, user: a.user })).sub).to.equal(subA);
    expect((await idTokenSub({ ...c, user: a.user })).sub).to.equal(String(a.user.id));
  });

  it('§8.1: a sector_identifier_uri names the sector: its host, not the redirect URIs\', so the sub differs', async () => {
    sector.set(200, JSON.stringify(['https://client.example.com/cb']));
    const byRedirect = await pairwise();
    const bySector = await codeFlowSetup(t, { owner: byRedirect.user, allowedScopes: ['openid'], subjectType: 'pairwise', sectorIdentifierUri: sector.url });
    bySector.browser = byRedirect.browser;
    const one = (await idTokenSub(byRedirect)).sub;
    const two = (await idTokenSub({ ...bySector, user: byRedirect.user })).sub;
    expect(two).to.not.equal(one);
    expect(two).to.match(/^[A-Za-z0-9_-]{43}$/);
    // Stable: the same server secret (ENCRYPTION_KEY) computes the same value, whatever process or signing key.
    expect(new Subjects(parseKey(t.app.config.encryptionKey)).of(byRedirect.user.id, bySector.client)).to.equal(two);
  });

  it('§8.1: the example resources (/api/hello, /api/verify) do not name the user to a pairwise client, as introspection does not: the username is the same for every client (attacker read 19, F3)', async () => {
    const s = await pairwise();
    const { tokens } = await idTokenSub(s);
    const hello = await (await fetch(`${t.url}/api/hello`, { headers: bearer(tokens.access_token) })).json();
    expect(hello).to.include({ message: 'Hello, OAuth2!', client_id: s.client.clientId });
    expect(hello).to.not.have.property('user');
    const verify = await (await postForm(`${t.url}/api/verify`, { token: tokens.access_token })).json();
    expect(verify).to.include({ client_id: s.client.clientId });
    expect(verify).to.not.have.property('user');
    // A public-subject client is told, as the tutorials show.
    const pub = await codeFlowSetup(t, { allowedScopes: ['openid', 'read'] });
    const own = await codeFlowTokens(t, pub, { scope: 'read' });
    expect((await (await fetch(`${t.url}/api/hello`, { headers: bearer(own.access_token) })).json()).user).to.equal(pub.user.username);
  });

  it('§8.1: a pairwise client\'s token does not call the GraphQL admin API, which names the user (id, username, every other client\'s grants): refused as a bearer token, whatever its scope (attacker read 20, F1)', async () => {
    const s = await pairwise();
    const tokens = await codeFlowTokens(t, s, { scope: 'openid read' });
    const ask = (token: string) => fetch(`${t.url}/graphql`, { method: 'POST', headers: { ...bearer(token), 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ query: '{ viewer { id username } grants(first: 5) { edges { node { id } } } }' }) });
    const res = await ask(tokens.access_token);
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).to.equal(403);
    expect(body.errors[0].extensions.code).to.equal('FORBIDDEN');
    expect(JSON.stringify(body)).to.not.include(s.user.username);
    // A public-subject client's token is the user's own app, as before.
    const pub = await codeFlowSetup(t, { allowedScopes: ['openid', 'read'] });
    const own = await codeFlowTokens(t, pub, { scope: 'read' });
    const mine = await (await ask(own.access_token)).json();
    expect(mine.data.viewer.username).to.equal(pub.user.username);
  });

  it('§8.1: a pairwise client is not given auth_time unless it asked (max_age, Core §3.1.2.1): the login\'s second is the same at every client of one browser session (attacker read 21, F5)', async () => {
    const a = await pairwise();
    const b = await codeFlowSetup(t, { owner: a.user, allowedScopes: ['openid', 'read'], subjectType: 'pairwise', accessTokenFormat: 'jwt', redirectUris: ['https://other-rp.example/cb'] });
    const tokensOf = async (s: Awaited<ReturnType<typeof pairwise>>, redirect: string, extra: Record<string, string> = {}) => {
      const { verifier, challenge } = pkcePair();
      const loc = await authorizeThroughConsent(a.browser, { response_type: 'code', client_id: s.client.clientId, redirect_uri: redirect, scope: 'openid read', nonce: 'n', state: 's', code_challenge: challenge, code_challenge_method: 'S256', ...extra });
      return (await postForm(`${t.url}/o/token/`, { grant_type: 'authorization_code', code: loc.searchParams.get('code')!, redirect_uri: redirect, code_verifier: verifier }, s.auth)).json();
    };
    const one = await tokensOf(a, 'https://client.example.com/cb');
    const two = await tokensOf({ ...b, browser: a.browser }, 'https://other-rp.example/cb');
    for (const tokens of [one, two]) {
      expect(decodeJwt(tokens.id_token), 'ID Token').to.not.have.property('auth_time');
      expect(decodeJwt(tokens.access_token), 'JWT access token').to.not.have.property('auth_time');
    }
    // Asked for with max_age, it is there (REQUIRED).
    const asked = await tokensOf(a, 'https://client.example.com/cb', { max_age: '3600' });
    expect(asked.id_token, JSON.stringify(asked)).to.be.a('string');
    expect(decodeJwt(asked.id_token).auth_time).to.be.a('number');
    // A public-subject client keeps it, as before.
    const pub = await codeFlowSetup(t, { owner: a.user, allowedScopes: ['openid', 'read'] });
    expect(decodeJwt((await tokensOf({ ...pub, browser: a.browser }, 'https://client.example.com/cb')).id_token).auth_time).to.be.a('number');
  });

  it('Core §3.1.2.1: max_age survives the consent page: a pairwise client\'s first authorization, through the form, still gets auth_time (attacker read 24, F3)', async () => {
    const s = await pairwise();
    const { verifier, challenge } = pkcePair();
    const { res, fields } = await consentForm(s.browser, { response_type: 'code', client_id: s.client.clientId, redirect_uri: 'https://client.example.com/cb', scope: 'openid read', nonce: 'n', state: 's', code_challenge: challenge, code_challenge_method: 'S256', max_age: '36000' });
    expect(res.status, 'the consent page is shown').to.equal(200);
    expect(fields!.max_age).to.equal('36000');
    const post = await s.browser.post('/o/authorize/', { ...fields!, allow: 'Authorize' });
    const code = new URL(post.headers.get('location')!).searchParams.get('code')!;
    const tokens = await (await postForm(`${t.url}/o/token/`, { grant_type: 'authorization_code', code, redirect_uri: 'https://client.example.com/cb', code_verifier: verifier }, s.auth)).json();
    expect(decodeJwt(tokens.id_token).auth_time, JSON.stringify(tokens)).to.be.a('number');
  });

  it('stable across signing-key rotation, and different for two users', async () => {
    const s = await pairwise();
    const before = (await idTokenSub(s)).sub;
    await t.app.signingKeys.rotate({ force: true });
    expect((await idTokenSub(s)).sub).to.equal(before);
    const other = await codeFlowSetup(t, { allowedScopes: ['openid', 'read'], subjectType: 'pairwise' });
    expect((await idTokenSub(other)).sub).to.not.equal(before);
  });

  it('Back-Channel Logout §2.4: the logout_token carries the pairwise sub the client knows', async () => {
    const got: string[] = [];
    const rp = createServer((req, res) => { let b = ''; req.on('data', (c) => { b += c; }); req.on('end', () => { got.push(new URLSearchParams(b).get('logout_token') ?? ''); res.writeHead(200).end(); }); });
    await new Promise<void>((r) => rp.listen(0, '127.0.0.1', r));
    try {
      const s = await pairwise({ backchannelLogoutUri: `http://127.0.0.1:${(rp.address() as { port: number }).port}/bc` });
      const { sub } = await idTokenSub(s);
      const page = await s.browser.get('/o/logout/');
      await s.browser.post('/o/logout/confirm/', { csrfmiddlewaretoken: csrfFrom(await page.text())! });
      await t.app.backchannel.idle();
      expect(got).to.have.length(1);
      expect(decodeJwt(got[0]).sub).to.equal(sub);
    } finally { rp.close(); }
  });

  it('§8.1 with Back-Channel Logout §2.1: a pairwise client\'s sid is its sector\'s, not the browser session\'s one value that every client is given (which linked the user); its logout token names the same sid as its ID Token (attacker read 20, F2)', async () => {
    const got: string[] = [];
    const rp = createServer((req, res) => { let b = ''; req.on('data', (c) => { b += c; }); req.on('end', () => { got.push(new URLSearchParams(b).get('logout_token') ?? ''); res.writeHead(200).end(); }); });
    await new Promise<void>((r) => rp.listen(0, '127.0.0.1', r));
    try {
      const backchannelLogoutUri = `http://127.0.0.1:${(rp.address() as { port: number }).port}/bc`;
      const a = await pairwise({ backchannelLogoutUri, backchannelLogoutSessionRequired: true });
      const b = await codeFlowSetup(t, { owner: a.user, allowedScopes: ['openid'], subjectType: 'pairwise', redirectUris: ['https://other-rp.example/cb'] });
      const pub = await codeFlowSetup(t, { owner: a.user, allowedScopes: ['openid'] });
      const sidOf = async (s: Awaited<ReturnType<typeof pairwise>>, redirect: string) => {
        const { verifier, challenge } = pkcePair();
        const loc = await authorizeThroughConsent(a.browser, { response_type: 'code', client_id: s.client.clientId, redirect_uri: redirect, scope: 'openid', nonce: 'n', state: 's', code_challenge: challenge, code_challenge_method: 'S256' });
        const body = await (await postForm(`${t.url}/o/token/`, { grant_type: 'authorization_code', code: loc.searchParams.get('code')!, redirect_uri: redirect, code_verifier: verifier }, s.auth)).json();
        return decodeJwt(body.id_token).sid as string;
      };
      const sidA = await sidOf(a, 'https://client.example.com/cb');
      const sidB = await sidOf({ ...b, browser: a.browser }, 'https://other-rp.example/cb');
      const sidPublic = await sidOf({ ...pub, browser: a.browser }, 'https://client.example.com/cb');
      expect(sidA).to.be.a('string');
      expect(new Set([sidA, sidB, sidPublic]).size, 'three clients, three sids').to.equal(3);
      const page = await a.browser.get('/o/logout/');
      await a.browser.post('/o/logout/confirm/', { csrfmiddlewaretoken: csrfFrom(await page.text())! });
      await t.app.backchannel.idle();
      expect(got).to.have.length(1);
      expect(decodeJwt(got[0]).sid, 'the logout token names the sid the client knows').to.equal(sidA);
    } finally { rp.close(); }
  });

  it('RP-Initiated Logout §2: a pairwise id_token_hint maps back to the signed-in user; another user\'s hint gets no redirect', async () => {
    const a = await pairwise({ postLogoutRedirectUris: ['https://client.example.com/bye'] });
    const hint = (await idTokenSub(a)).tokens.id_token;
    const ask = async (s: typeof a) => {
      const page = await s.browser.get(`/o/logout/?${new URLSearchParams({ id_token_hint: hint, post_logout_redirect_uri: 'https://client.example.com/bye' })}`);
      expect(page.status).to.equal(200);
      return s.browser.post('/o/logout/confirm/', { csrfmiddlewaretoken: csrfFrom(await page.text())! });
    };
    // Another user signed in, holding a's hint: asked, signed out, not redirected to the client.
    const b = await codeFlowSetup(t, { allowedScopes: ['openid'] });
    const other = await ask(b);
    expect(other.headers.get('location')).to.equal(null);
    const own = await ask(a);
    expect(own.status).to.equal(302);
    expect(own.headers.get('location')).to.equal('https://client.example.com/bye');
  });

  it('§8.1: a client that gets a user\'s tokens without a redirect (device flow) has a sector of its own, whatever host it names: naming another client\'s redirect host or sector document does not link the user (attacker read 15, F1)', async () => {
    const victim = await pairwise();
    const { sub } = await idTokenSub(victim);
    const DEVICE = 'urn:ietf:params:oauth:grant-type:device_code';
    const mallory = await t.app.seed.user({ username: `m${Date.now()}` });
    sector.set(200, JSON.stringify(['https://client.example.com/cb']));
    const claims = [{ redirectUris: ['https://client.example.com/cb'] }, { redirectUris: [], sectorIdentifierUri: sector.url }];
    const subs: string[] = [];
    for (const claim of claims) {
      const { client } = await t.app.seed.client({ owner: mallory, clientType: 'public', tokenEndpointAuthMethod: 'none', grantTypes: [DEVICE as never], allowedScopes: ['openid'], subjectType: 'pairwise', ...claim });
      const d = await (await postForm(`${t.url}/o/device-authorization/`, { client_id: client.clientId, scope: 'openid' })).json();
      // The victim's user approves it (a phished user code): the tokens go to the device, never to a redirect URI.
      const page = await victim.browser.get(`/o/device/?user_code=${encodeURIComponent(d.user_code)}`);
      expect((await victim.browser.post('/o/device/', { csrfmiddlewaretoken: csrfFrom(await page.text())!, user_code: d.user_code, allow: 'allow' })).status).to.be.below(400);
      const tokens = await (await postForm(`${t.url}/o/token/`, { grant_type: DEVICE, device_code: d.device_code, client_id: client.clientId })).json();
      const deviceSub = decodeJwt(tokens.id_token).sub!;
      expect(deviceSub, JSON.stringify(claim)).to.not.equal(sub);
      expect(deviceSub).to.not.equal(String(victim.user.id));
      // UserInfo agrees with its ID Token, as everywhere (Core §5.3.2).
      expect((await (await fetch(`${t.url}/userinfo`, { headers: bearer(tokens.access_token) })).json()).sub).to.equal(deviceSub);
      subs.push(deviceSub);
    }
    // Each such client has its own: two of them cannot link the user either.
    expect(subs[0]).to.not.equal(subs[1]);
  });

  it('§8.1: a redirect URI whose host does not receive the code (a private-use scheme, loopback) names no sector: a native app cannot take another RP\'s sub by writing its host there, and two loopback apps are not linked (attacker read 18, F1)', async () => {
    const victim = await pairwise();
    const { sub } = await idTokenSub(victim);
    const subOf = async (redirect: string) => {
      const { client } = await t.app.seed.client({ owner: victim.user, clientType: 'public', tokenEndpointAuthMethod: 'none', grantTypes: ['authorization_code'], redirectUris: [redirect], allowedScopes: ['openid'], subjectType: 'pairwise' });
      const { verifier, challenge } = pkcePair();
      const loc = await authorizeThroughConsent(victim.browser, { response_type: 'code', client_id: client.clientId, redirect_uri: redirect, scope: 'openid', nonce: 'n', state: 's', code_challenge: challenge, code_challenge_method: 'S256' });
      const code = loc.searchParams.get('code');
      expect(code, loc.href).to.be.a('string');
      const body = await (await postForm(`${t.url}/o/token/`, { grant_type: 'authorization_code', client_id: client.clientId, code: code!, redirect_uri: redirect, code_verifier: verifier })).json();
      expect(body.id_token, JSON.stringify(body)).to.be.a('string');
      return decodeJwt(body.id_token).sub!;
    };
    expect(await subOf('com.attacker.app://client.example.com/cb'), 'a private-use scheme naming the RP\'s host').to.not.equal(sub);
    expect(await subOf('com.attacker.app:/cb')).to.not.equal(sub);
    expect(await subOf('http://127.0.0.1/cb'), 'two loopback apps').to.not.equal(await subOf('http://127.0.0.1/cb'));
    // Every spelling of this device: *.localhost, a trailing dot, the rest of 127/8, IPv4-mapped (attacker read 21, F3).
    // Nor a name that is not one host worldwide: single labels and special-use domains (attacker read 22, F3; RFC 6761
    // §6.5 `.example` and RFC 9665 `service.arpa`: attacker read 24, F4).
    for (const redirect of ['https://app.localhost/cb', 'http://localhost./cb', 'https://127.0.0.2/cb', 'http://[::ffff:127.0.0.1]/cb', 'https://app.local/cb', 'https://localhost.localdomain/cb', 'https://printer/cb', 'https://ip6-localhost/cb', 'https://x.home.arpa/cb', 'https://a.internal/cb', 'https://app.local../cb', 'https://myapp.test/cb', 'https://x.invalid/cb', 'https://app.example/cb', 'https://printer.service.arpa/cb']) {
      expect(await subOf(redirect), redirect).to.not.equal(await subOf(redirect));
    }
  });

  it('§8.1: a sector document does not lend its sector to redirect URIs that do not reach their host: a site that lists its native app\'s loopback or private-use URI links no stranger who registers the same (attacker read 19, F1)', async () => {
    sector.set(200, JSON.stringify(['https://client.example.com/cb', 'http://127.0.0.1/callback', 'com.victim.app:/oauth/cb']));
    const site = await codeFlowSetup(t, { allowedScopes: ['openid'], subjectType: 'pairwise', sectorIdentifierUri: sector.url });
    const { sub } = await idTokenSub(site);
    for (const redirect of ['http://127.0.0.1/callback', 'com.victim.app:/oauth/cb']) {
      const { client } = await t.app.seed.client({ owner: site.user, clientType: 'public', tokenEndpointAuthMethod: 'none', grantTypes: ['authorization_code'], redirectUris: [redirect], allowedScopes: ['openid'], subjectType: 'pairwise', sectorIdentifierUri: sector.url });
      const { verifier, challenge } = pkcePair();
      const loc = await authorizeThroughConsent(site.browser, { response_type: 'code', client_id: client.clientId, redirect_uri: redirect, scope: 'openid', nonce: 'n', state: 's', code_challenge: challenge, code_challenge_method: 'S256' });
      const body = await (await postForm(`${t.url}/o/token/`, { grant_type: 'authorization_code', client_id: client.clientId, code: loc.searchParams.get('code')!, redirect_uri: redirect, code_verifier: verifier })).json();
      expect(decodeJwt(body.id_token).sub, redirect).to.not.equal(sub);
    }
  });

  it('§8.1: a change of what makes a client\'s sub (its sector, its subject type) ends everything issued before it: a stranger cannot get tokens under one sector and read them under another (attacker read 16, F1/F2)', async () => {
    const victim = await pairwise();
    const { sub } = await idTokenSub(victim);
    const DEVICE = 'urn:ietf:params:oauth:grant-type:device_code';
    const mallory = await t.app.seed.user({ username: `n${Date.now()}` });
    const owner = new Browser(t.url);
    await owner.login(mallory.username, mallory.password);
    const update = async (id: number, input: Record<string, unknown>) => {
      const csrf = csrfFrom(await (await owner.get('/o/applications/')).text())!;
      const res = await owner.request('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify({ query: 'mutation($id: ID!, $i: ClientInput!) { updateClient(id: $id, input: $i) { client { grantTypes redirectUris } } }', variables: { id: String(id), i: input } }) });
      const body = await res.json();
      expect(body.errors, JSON.stringify(body)).to.equal(undefined);
    };
    const deviceTokens = async (clientId: string) => {
      const d = await (await postForm(`${t.url}/o/device-authorization/`, { client_id: clientId, scope: 'openid' })).json();
      const page = await victim.browser.get(`/o/device/?user_code=${encodeURIComponent(d.user_code)}`);
      await victim.browser.post('/o/device/', { csrfmiddlewaretoken: csrfFrom(await page.text())!, user_code: d.user_code, allow: 'allow' });
      return (await postForm(`${t.url}/o/token/`, { grant_type: DEVICE, device_code: d.device_code, client_id: clientId })).json();
    };
    const base = { name: 'flip', clientType: 'PUBLIC', tokenEndpointAuthMethod: 'NONE', allowedScopes: ['openid'], subjectType: 'PAIRWISE' };
    // 1. Device tokens under the client's own sector, then the device grant dropped: the sector becomes the victim's host.
    const { client: a } = await t.app.seed.client({ owner: mallory, clientType: 'public', tokenEndpointAuthMethod: 'none', grantTypes: [DEVICE as never, 'authorization_code'], redirectUris: ['https://client.example.com/cb'], allowedScopes: ['openid'], subjectType: 'pairwise' });
    const first = await deviceTokens(a.clientId);
    expect(decodeJwt(first.id_token).sub).to.not.equal(sub);
    await update(a.id, { ...base, grantTypes: ['AUTHORIZATION_CODE'], redirectUris: ['https://client.example.com/cb'] });
    // 2. A public-subject client with the device grant switched to pairwise on the victim's host, the grant dropped.
    const { client: b } = await t.app.seed.client({ owner: mallory, clientType: 'public', tokenEndpointAuthMethod: 'none', grantTypes: [DEVICE as never, 'authorization_code'], redirectUris: ['https://client.example.com/cb'], allowedScopes: ['openid'] });
    const second = await deviceTokens(b.clientId);
    await update(b.id, { ...base, grantTypes: ['AUTHORIZATION_CODE'], redirectUris: ['https://client.example.com/cb'] });
    for (const tokens of [first, second]) {
      const info = await fetch(`${t.url}/userinfo`, { headers: bearer(tokens.access_token) });
      expect(info.status, 'the old access token').to.equal(401);
      const refreshed = await postForm(`${t.url}/o/token/`, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: tokens === first ? a.clientId : b.clientId });
      expect(refreshed.status, 'the old refresh token').to.equal(400);
    }
    // A change that keeps the sub (the name) ends nothing.
    const { client: c } = await t.app.seed.client({ owner: mallory, clientType: 'public', tokenEndpointAuthMethod: 'none', grantTypes: [DEVICE as never], allowedScopes: ['openid'], subjectType: 'pairwise' });
    const third = await deviceTokens(c.clientId);
    await update(c.id, { ...base, name: 'renamed', grantTypes: ['DEVICE_CODE'], redirectUris: c.redirectUris });
    expect((await fetch(`${t.url}/userinfo`, { headers: bearer(third.access_token) })).status).to.equal(200);
  });

  it('§8.1: while a sector change runs, userinfo answers a token of the old sector only with the old sub, and never again once it returns (SQLite token cache; attacker read 18, F2)', async () => {
    const s = await pairwise();
    const { sub, tokens } = await idTokenSub(s);
    let running = true;
    const answers: { status: number; sub?: string }[] = [];
    const loop = async () => {
      while (running) {
        const res = await fetch(`${t.url}/userinfo`, { headers: bearer(tokens.access_token) });
        answers.push({ status: res.status, sub: res.status === 200 ? (await res.json()).sub : (await res.text(), undefined) });
      }
    };
    const loops = Array.from({ length: 8 }, loop);
    await new Promise((r) => setTimeout(r, 50));
    await t.app.withContext(() => t.app.stores.clients.update(s.client.id, { ...s.client, redirectUris: ['https://victim.example/cb'] }));
    const after = await fetch(`${t.url}/userinfo`, { headers: bearer(tokens.access_token) });
    running = false;
    await Promise.all(loops);
    expect(after.status, 'once the change returned').to.equal(401);
    expect(answers.filter((a) => a.status === 200 && a.sub !== sub), 'answers with another sub').to.deep.equal([]);
    await new Promise((r) => setTimeout(r, 200));
    expect((await fetch(`${t.url}/userinfo`, { headers: bearer(tokens.access_token) })).status, 'later').to.equal(401);
  });

  it('§8.1: the client row never names the new sector while a token issued under the old one is live (no window for a userinfo read between the update and the revocation; review of attacker read 16)', async () => {
    const DEVICE = 'urn:ietf:params:oauth:grant-type:device_code';
    const alice = await t.app.seed.user({ username: `w${Date.now()}` });
    const { client, clientSecret } = await t.app.seed.client({ owner: alice, grantTypes: [DEVICE as never, 'authorization_code'], redirectUris: ['https://client.example.com/cb'], allowedScopes: ['openid'], subjectType: 'pairwise' });
    const auth = { id: client.clientId, secret: clientSecret! };
    const user = new Browser(t.url);
    await user.login(alice.username, alice.password);
    const d = await (await postForm(`${t.url}/o/device-authorization/`, { client_id: client.clientId, scope: 'openid' }, auth)).json();
    const page = await user.get(`/o/device/?user_code=${encodeURIComponent(d.user_code)}`);
    await user.post('/o/device/', { csrfmiddlewaretoken: csrfFrom(await page.text())!, user_code: d.user_code, allow: 'allow' });
    const tokens = await (await postForm(`${t.url}/o/token/`, { grant_type: DEVICE, device_code: d.device_code }, auth)).json();
    expect(tokens.access_token, JSON.stringify(tokens)).to.be.a('string');
    // A trigger records, at the instant the client row changes, how many of its tokens are still live.
    const sql = t.app.stores.sql;
    await sql.run('create table sector_probe (live integer)');
    if (sql.dialect === 'sqlite') {
      await sql.run(`create trigger sector_probe_t after update on applications when new.id = ${client.id} begin
        insert into sector_probe select count(*) from access_tokens where application_id = new.id and revoked_at is null; end`);
    } else {
      await sql.run(`create function sector_probe_f() returns trigger language plpgsql as $$ begin
        insert into sector_probe select count(*) from access_tokens where application_id = new.id and revoked_at is null; return new; end $$`);
      await sql.run(`create trigger sector_probe_t after update on applications for each row when (new.id = ${client.id}) execute function sector_probe_f()`);
    }
    try {
      await t.app.withContext(() => t.app.stores.clients.update(client.id, { ...client, grantTypes: ['authorization_code'] }));
      const rows = await sql.all<{ live: number }>('select live from sector_probe');
      expect(rows.map((r) => Number(r.live)), 'live tokens when the row changed').to.deep.equal([0]);
      expect((await fetch(`${t.url}/userinfo`, { headers: bearer(tokens.access_token) })).status).to.equal(401);
    } finally {
      await sql.run('drop trigger sector_probe_t' + (sql.dialect === 'sqlite' ? '' : ' on applications'));
      if (sql.dialect !== 'sqlite') await sql.run('drop function sector_probe_f()');
      await sql.run('drop table sector_probe');
    }
  });
});

describe('OpenID Connect Registration §2 / §5: subject_type and sector_identifier_uri at registration', () => {
  let t: TestServer;
  let strict: TestServer;
  let sector: Awaited<ReturnType<typeof sectorServer>>;
  let gqlAs: Awaited<ReturnType<typeof actors>>;
  let strictAs: Awaited<ReturnType<typeof actors>>;
  before(async () => {
    sector = await sectorServer();
    t = await createTestApp({ outboundAllowedHosts: ['127.0.0.1'] });
    strict = await createTestApp();
    gqlAs = await actors(t);
    strictAs = await actors(strict);
  });
  after(async () => { await t.close(); await strict.close(); sector.server.close(); });

  const CREATE = 'mutation($input: ClientInput!) { registerClient(input: $input) { client { clientId subjectType sectorIdentifierUri } } }';
  const create = (input: Record<string, unknown>, as = gqlAs) => as.user(CREATE, { input: { ...CLIENT_INPUT, subjectType: 'PAIRWISE', ...input } });
  const fieldError = (r: { errors?: any[] }) => (r.errors?.[0]?.extensions?.fields as { path: string[]; message: string }[] | undefined)?.find((f) => f.path.at(-1) === 'sectorIdentifierUri')?.message;

  it('accepts a document (fetched when saved) that lists every redirect URI', async () => {
    sector.set(200, JSON.stringify(['https://client.example.com/cb', 'https://other.example.com/cb']));
    const before = sector.hits();
    const r = await create({ redirectUris: ['https://client.example.com/cb', 'https://other.example.com/cb'], sectorIdentifierUri: sector.url });
    expect(r.errors, JSON.stringify(r.errors)).to.equal(undefined);
    expect(r.data.registerClient.client).to.include({ subjectType: 'PAIRWISE', sectorIdentifierUri: sector.url });
    expect(sector.hits()).to.equal(before + 1);
    const row = await t.app.stores.sql.all<{ subject_type: string; sector_identifier_uri: string }>('select subject_type, sector_identifier_uri from applications where client_id = ?', [r.data.registerClient.client.clientId]);
    expect(row).to.deep.equal([{ subject_type: 'pairwise', sector_identifier_uri: sector.url }]);
  });

  it('§8.1: pairwise with redirect URIs on several hosts and no sector_identifier_uri is refused', async () => {
    const r = await create({ redirectUris: ['https://client.example.com/cb', 'https://other.example.com/cb'] });
    expect(r.errors?.[0]?.extensions?.code).to.equal('BAD_USER_INPUT');
    expect(fieldError(r)).to.be.a('string');
    // Public clients may spread over hosts.
    expect((await create({ subjectType: 'PUBLIC', redirectUris: ['https://client.example.com/cb', 'https://other.example.com/cb'] })).errors).to.equal(undefined);
  });

  it('§5: refused when the document misses a redirect URI, is no JSON array, answers 404, or is too large', async () => {
    for (const [status, body] of [[200, JSON.stringify(['https://client.example.com/cb'])], [200, '{"redirect_uris":[]}'], [200, 'not json'], [404, '[]'], [200, JSON.stringify(Array(5000).fill('https://client.example.com/cb/padding-padding'))]] as const) {
      sector.set(status, body);
      const r = await create({ redirectUris: ['https://client.example.com/cb', 'https://other.example.com/cb'], sectorIdentifierUri: sector.url });
      expect(fieldError(r), `${status} ${body.slice(0, 30)}`).to.be.a('string');
    }
    const rows = await t.app.stores.sql.all('select id from applications where subject_type = ? and sector_identifier_uri is null', ['pairwise']);
    expect(rows).to.have.length(0);
  });

  it('the fetch is outbound: a loopback host not on the allow-list is refused (SSRF), and so is a non-URL or a fragment', async () => {
    sector.set(200, JSON.stringify(['https://client.example.com/cb']));
    const before = sector.hits();
    // One text for every failure (no DNS or port oracle); the reason is in the server log.
    expect(fieldError(await create({ sectorIdentifierUri: sector.url }, strictAs))).to.match(/could not be fetched/);
    expect(sector.hits()).to.equal(before);
    expect(fieldError(await create({ sectorIdentifierUri: 'ftp://client.example.com/s.json' }))).to.be.a('string');
    expect(fieldError(await create({ sectorIdentifierUri: `${sector.url}#x` }))).to.be.a('string');
  });
});

describe('Registration §5: sector_identifier_uri fetches are budgeted per client updated and per account registering, failures included (SECTOR_FETCH_LIMIT)', () => {
  // Each validation of a pairwise client with a sector_identifier_uri fetches the document, an update that changes
  // nothing else included: unbudgeted, one client's failing updates held the sector share of the document's host.
  let t: TestServer;
  let sector: Awaited<ReturnType<typeof sectorServer>>;
  let as: Awaited<ReturnType<typeof actors>>;
  before(async () => {
    sector = await sectorServer();
    t = await createTestApp({ outboundAllowedHosts: ['127.0.0.1'], registration: 'open', rateLimit: { sectorFetches: 3, registrationsPerSource: 1000 } });
    as = await actors(t);
  });
  after(async () => { await t.close(); sector.server.close(); });

  const UPDATE = 'mutation($id: ID!, $input: ClientInput!) { updateClient(id: $id, input: $input) { client { name } } }';
  const CREATE = 'mutation($input: ClientInput!) { registerClient(input: $input) { client { id clientId } } }';
  const fieldError = (r: { errors?: any[] }) => (r.errors?.[0]?.extensions?.fields as { path: string[]; message: string }[] | undefined)?.find((f) => f.path.at(-1) === 'sectorIdentifierUri')?.message;
  const input = () => ({ ...CLIENT_INPUT, subjectType: 'PAIRWISE', redirectUris: ['https://client.example.com/cb'], sectorIdentifierUri: sector.url });

  it('GraphQL: of 6 concurrent updates of one client, 3 fetch; the rest are refused on the field without a fetch; another client and an administrator are not held to it', async () => {
    sector.set(200, JSON.stringify(['https://client.example.com/cb']));
    const mine = await as.user(CREATE, { input: input() });
    expect(mine.errors, JSON.stringify(mine.errors)).to.equal(undefined);
    const theirs = await as.admin(CREATE, { input: input() });
    // Failing from here on (the document no longer lists the redirect URI): failures count too.
    sector.set(404, '[]');
    const before = sector.hits();
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => as.user(UPDATE, { id: mine.data.registerClient.client.id, input: { ...input(), name: `Edit ${i}` } })));
    expect(sector.hits() - before).to.equal(3);
    const messages = answers.map(fieldError);
    expect(messages.filter((m) => /could not be fetched|does not list|JSON array/.test(m ?? '')).length, JSON.stringify(messages)).to.equal(3);
    const refused = messages.filter((m) => /too often/.test(m ?? ''));
    expect(refused.length, JSON.stringify(messages)).to.equal(3);
    expect(refused[0]).to.match(/try again in \d+ seconds/);
    // The administrator's client, updated by the administrator: not counted.
    const h = sector.hits();
    for (let i = 0; i < 4; i++) await as.admin(UPDATE, { id: theirs.data.registerClient.client.id, input: { ...input(), name: `Admin ${i}` } });
    expect(sector.hits() - h).to.equal(4);
    // Nothing was stored by a refused update.
    const [row] = await t.app.stores.sql.all<{ name: string }>('select name from applications where client_id = ?', [mine.data.registerClient.client.clientId]);
    expect(row.name).to.equal(CLIENT_INPUT.name);
  });

  it('GraphQL: an account\'s failing registrations spend its budget (aliased in one request or not)', async () => {
    sector.set(404, '[]');
    const bob = await t.app.seed.user({ username: 'bob-sector' });
    const bobGql = gql(t.url, await as.token(bob, 'applications'));
    const before = sector.hits();
    const aliased = `mutation($input: ClientInput!) { ${Array.from({ length: 5 }, (_, k) => `r${k}: registerClient(input: $input) { client { id } }`).join(' ')} }`;
    await Promise.all([bobGql(aliased, { input: input() }), bobGql(CREATE, { input: input() })]);
    expect(sector.hits() - before).to.equal(3);
  });

  it('a fetch our own bound refused (the host\'s share kept busy by others) is given back: a flood does not spend a relying party\'s budget (attacker read 25, F1)', async function () {
    this.timeout(20_000);
    sector.set(200, JSON.stringify(['https://client.example.com/cb']));
    const carol = await t.app.seed.user({ username: 'carol-sector' });
    const carolGql = gql(t.url, await as.token(carol, 'applications'));
    // An administrator's 8 registrations (not counted) naming a path of the same host that never answers.
    const hanging = Array.from({ length: 8 }, (_, i) => as.admin(CREATE, { input: { ...input(), sectorIdentifierUri: sector.url.replace('/sector.json', `/hang${i}`) } }));
    await new Promise((r) => setTimeout(r, 500));
    const busy = [];
    for (let i = 0; i < 5; i++) busy.push(fieldError(await carolGql(CREATE, { input: input() })));
    expect(busy.every((m) => /could not be fetched/.test(m ?? '')), JSON.stringify(busy)).to.equal(true);
    sector.release();
    await Promise.all(hanging);
    // Her 3 are all still there.
    const after = [];
    for (let i = 0; i < 3; i++) after.push(await carolGql(CREATE, { input: input() }));
    expect(after.map((r) => r.errors?.[0]?.message ?? 'ok'), JSON.stringify(after.map((r) => r.errors))).to.deep.equal(['ok', 'ok', 'ok']);
  });

  it('RFC 7592: 8 concurrent PUTs with one registration access token fetch 3 times; the refused answer 400 invalid_client_metadata', async () => {
    sector.set(200, JSON.stringify(['https://client.example.com/cb']));
    const metadata = { redirect_uris: ['https://client.example.com/cb'], subject_type: 'pairwise', sector_identifier_uri: sector.url, token_endpoint_auth_method: 'none', grant_types: ['authorization_code'], response_types: ['code'] };
    const reg = await (await fetch(`${t.url}/o/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(metadata) })).json() as Record<string, string>;
    expect(reg.client_id, JSON.stringify(reg)).to.be.a('string');
    sector.set(404, '[]');
    const before = sector.hits();
    const answers = await Promise.all(Array.from({ length: 8 }, () => fetch(reg.registration_client_uri, { method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${reg.registration_access_token}` }, body: JSON.stringify({ ...metadata, client_id: reg.client_id }) })));
    expect(sector.hits() - before).to.equal(3);
    const bodies = await Promise.all(answers.map(async (r) => ({ status: r.status, ...(await r.json()) as { error: string; error_description: string } })));
    expect(bodies.every((b) => b.status === 400 && b.error === 'invalid_client_metadata'), JSON.stringify(bodies)).to.equal(true);
    expect(bodies.filter((b) => /too often/.test(b.error_description)).length).to.equal(5);
  });
});
