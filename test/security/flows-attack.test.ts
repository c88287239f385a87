import { expect } from 'chai';
import { Browser, createTestApp, csrfFrom, type TestServer } from '../helpers.ts';
import { authorizeThroughConsent, codeFlowSetup, pkcePair, postForm } from '../oauth-helpers.ts';
import { hashToken } from '../../src/oauth2/tokens.ts';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

type Json = Record<string, any>;

/** Issue 20: findings of an attacker's read of the flows (request objects, device grant, registration, redirects). */
describe('security: flows attack (issue 20)', () => {
  let t: TestServer;
  const API_A = 'https://api-a.example/';
  const API_B = 'https://api-b.example/';
  before(async () => {
    t = await createTestApp({ registration: 'open', rateLimit: { registrationsPerSource: 10_000 } });
    await t.app.stores.resourceServers.create({ identifier: API_A, name: 'A', scopes: ['read'], accessTokenFormat: 'opaque', accessTokenTtl: null });
    await t.app.stores.resourceServers.create({ identifier: API_B, name: 'B', scopes: ['read'], accessTokenFormat: 'opaque', accessTokenTtl: null });
  });
  after(() => t.close());

  const register = async (body: Json) => {
    const res = await fetch(`${t.url}/o/register`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: await res.json() as Json };
  };

  describe('#7 loopback any-port matching takes only a canonical port (RFC 8252 §7.3)', () => {
    const authorize = (setup: Awaited<ReturnType<typeof codeFlowSetup>>, redirectUri: string) =>
      setup.browser.get(`/o/authorize/?${new URLSearchParams({ response_type: 'code', client_id: setup.client.clientId, redirect_uri: redirectUri, scope: 'read', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' })}`);

    it('a leading zero, port 0 or a port above 65535 is refused without a redirect', async () => {
      const setup = await codeFlowSetup(t, { clientType: 'public', tokenEndpointAuthMethod: 'none', redirectUris: ['http://127.0.0.1/cb', 'http://[::1]:8080/cb'], allowedScopes: ['read'] });
      for (const uri of ['http://127.0.0.1:08080/cb', 'http://127.0.0.1:0/cb', 'http://127.0.0.1:00/cb', 'http://[::1]:0/cb', 'http://[::1]:008080/cb', 'http://127.0.0.1:65536/cb', 'http://127.0.0.1:/cb']) {
        const res = await authorize(setup, uri);
        expect(res.status, uri).to.equal(400);
        expect(res.headers.get('location'), uri).to.equal(null);
      }
    });

    it('a canonical port still matches, and the redirect goes to exactly the presented string', async () => {
      const setup = await codeFlowSetup(t, { clientType: 'public', tokenEndpointAuthMethod: 'none', redirectUris: ['http://127.0.0.1/cb'], allowedScopes: ['read'] });
      for (const uri of ['http://127.0.0.1:8080/cb', 'http://127.0.0.1:65535/cb', 'http://127.0.0.1:1/cb', 'http://127.0.0.1/cb']) {
        const loc = await authorizeThroughConsent(setup.browser, { response_type: 'code', client_id: setup.client.clientId, redirect_uri: uri, scope: 'read', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' });
        expect(loc.href.startsWith(`${uri}?`), loc.href).to.equal(true);
        expect(loc.searchParams.get('code'), uri).to.be.a('string');
      }
    });
  });

  describe('#6 names refuse every format, control and separator character (Cc, Cf, Zl, Zp)', () => {
    const hostile = ['\u200e', '\u200f', '\u061c', '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u2028', '\u2029', '\u00ad', '\u202e', '\u2066', '\u0007', '\u0085', '\u{e0001}'];
    for (const ch of hostile) {
      it(`client_name with U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} → invalid_client_metadata`, async () => {
        const { status, body } = await register({ client_name: `My${ch}Bank`, redirect_uris: ['https://client.example.com/cb'] });
        expect(status).to.equal(400);
        expect(body.error).to.equal('invalid_client_metadata');
        expect(body.error_description).to.match(/^client_name/);
      });
    }
    it('a plain name (accents, other scripts) still registers', async () => {
      const { status, body } = await register({ client_name: 'Café Ωmega 東京', redirect_uris: ['https://client.example.com/cb'] });
      expect(status).to.equal(201);
      expect(body.client_name).to.equal('Café Ωmega 東京');
    });
  });

  describe('#9 private-use URI scheme redirects only for public (native) clients (RFC 8252 §7.1, §8.4)', () => {
    it('a confidential web client with com.evil.app:/cb → invalid_redirect_uri', async () => {
      const { status, body } = await register({ client_name: 'web', redirect_uris: ['com.evil.app:/cb'] });
      expect(status).to.equal(400);
      expect(body.error).to.equal('invalid_redirect_uri');
    });
    it('a confidential native client with a private-use scheme → invalid_redirect_uri', async () => {
      const { status, body } = await register({ client_name: 'native', application_type: 'native', redirect_uris: ['com.evil.app:/cb'] });
      expect(status).to.equal(400);
      expect(body.error).to.equal('invalid_redirect_uri');
    });
    it('a public web client registered dynamically with a private-use scheme → invalid_redirect_uri', async () => {
      const { status, body } = await register({ client_name: 'web', token_endpoint_auth_method: 'none', redirect_uris: ['com.evil.app:/cb'] });
      expect(status).to.equal(400);
      expect(body.error).to.equal('invalid_redirect_uri');
    });
    it('a public native client with a private-use scheme registers', async () => {
      const { status, body } = await register({ client_name: 'app', application_type: 'native', token_endpoint_auth_method: 'none', redirect_uris: ['com.example.app:/cb'] });
      expect(status, JSON.stringify(body)).to.equal(201);
      expect(body.client_secret).to.equal(undefined);
    });
  });

  describe('#10 registration answers', () => {
    it('10a: a client_secret_jwt / client_secret_basic client gets a secret; a none client does not', async () => {
      const basic = await register({ client_name: 'b', redirect_uris: ['https://client.example.com/cb'] });
      expect(basic.status).to.equal(201);
      expect(basic.body.client_secret).to.be.a('string');
    });
    it('10a: a private_key_jwt client gets no client_secret (RFC 7591 §3.2.1: only when used) and has none stored', async () => {
      const { status, body } = await register({ client_name: 'pk', grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [{ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', kid: 'k' }] }, token_endpoint_auth_signing_alg: 'EdDSA', scope: 'read' });
      expect(status, JSON.stringify(body)).to.equal(201);
      expect(body).to.not.have.property('client_secret');
      expect(body).to.not.have.property('client_secret_expires_at');
      const stored = await t.app.stores.clients.findByClientId(body.client_id);
      expect(stored!.secretHash).to.equal(null);
    });
    it('10b: grant_types [client_credentials] without response_types registers with response_types []', async () => {
      const { status, body } = await register({ client_name: 'svc', grant_types: ['client_credentials'], scope: 'read' });
      expect(status, JSON.stringify(body)).to.equal(201);
      expect(body.response_types).to.deep.equal([]);
    });
    it('10b: grant_types [authorization_code] without response_types still defaults to [code]', async () => {
      const { status, body } = await register({ client_name: 'web', redirect_uris: ['https://client.example.com/cb'] });
      expect(status).to.equal(201);
      expect(body.response_types).to.deep.equal(['code']);
    });
  });

  describe('#2 the device grant honours resource (RFC 8707 with RFC 8628)', () => {
    const GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
    async function deviceSetup() {
      const user = await t.app.seed.user({ username: `dv${Math.random().toString(36).slice(2, 8)}` });
      const { client } = await t.app.seed.client({ owner: user, clientType: 'public', tokenEndpointAuthMethod: 'none', grantTypes: [GRANT as never], allowedScopes: ['read'] });
      const browser = new Browser(t.url);
      await browser.login(user.username, user.password);
      return { client, browser };
    }
    const deviceAuthorization = (clientId: string, resource: string[]) => {
      const body = new URLSearchParams({ client_id: clientId, scope: 'read' });
      for (const r of resource) body.append('resource', r);
      return fetch(`${t.url}/o/device-authorization/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    };
    async function approved(resource: string[]) {
      const { client, browser } = await deviceSetup();
      const res = await deviceAuthorization(client.clientId, resource);
      expect(res.status).to.equal(200);
      const d = await res.json() as Record<string, string>;
      const page = await browser.get(`/o/device/?user_code=${encodeURIComponent(d.user_code)}`);
      const html = await page.text();
      expect(page.status).to.equal(200);
      expect((await browser.post('/o/device/', { csrfmiddlewaretoken: csrfFrom(html)!, user_code: d.user_code, allow: 'allow' })).status).to.be.oneOf([200, 302]);
      return { client, deviceCode: d.device_code };
    }
    const audienceOf = async (accessToken: string) => (await t.app.stores.sql.get<{ resource: string }>('select resource from access_tokens where token_hash = ?', [hashToken(accessToken)]))?.resource;

    it('resource at the device authorization request gives the token that audience', async () => {
      const { client, deviceCode } = await approved([API_A]);
      const res = await postForm(`${t.url}/o/token/`, { grant_type: GRANT, device_code: deviceCode, client_id: client.clientId });
      const body = await res.json() as Record<string, string>;
      expect(res.status, JSON.stringify(body)).to.equal(200);
      expect(await audienceOf(body.access_token)).to.equal(API_A);
    });

    it('an unknown resource → invalid_target at the device authorization endpoint, nothing stored', async () => {
      const { client } = await deviceSetup();
      const before = (await t.app.stores.sql.get<{ n: number }>('select count(*) as n from device_codes'))!.n;
      const res = await deviceAuthorization(client.clientId, ['https://unknown.example/']);
      expect(res.status).to.equal(400);
      expect((await res.json() as { error: string }).error).to.equal('invalid_target');
      expect(Number((await t.app.stores.sql.get<{ n: number }>('select count(*) as n from device_codes'))!.n)).to.equal(Number(before));
    });

    it('resource at the token request narrows to one granted resource; one not granted → invalid_target', async () => {
      const both = await approved([API_A, API_B]);
      const bad = await postForm(`${t.url}/o/token/`, { grant_type: GRANT, device_code: both.deviceCode, client_id: both.client.clientId, resource: 'https://unknown.example/' });
      expect(bad.status).to.equal(400);
      expect((await bad.json() as { error: string }).error).to.equal('invalid_target');
      const res = await postForm(`${t.url}/o/token/`, { grant_type: GRANT, device_code: both.deviceCode, client_id: both.client.clientId, resource: API_B });
      const body = await res.json() as Record<string, string>;
      expect(res.status, JSON.stringify(body)).to.equal(200);
      expect(await audienceOf(body.access_token)).to.equal(API_B);
      // The refresh token keeps the whole grant: a refresh may name the other resource.
      const refreshed = await postForm(`${t.url}/o/token/`, { grant_type: 'refresh_token', refresh_token: body.refresh_token, client_id: both.client.clientId, resource: API_A });
      const r = await refreshed.json() as Record<string, string>;
      expect(refreshed.status, JSON.stringify(r)).to.equal(200);
      expect(await audienceOf(r.access_token)).to.equal(API_A);
    });
  });

  describe('#5 self-registered clients get no client_credentials token for a resource server', () => {
    const cc = (id: string, secret: string, resource?: string) => postForm(`${t.url}/o/token/`, { grant_type: 'client_credentials', scope: 'read', ...(resource ? { resource } : {}) }, { id, secret });

    it('a dynamically registered client_credentials client asking for a resource → invalid_target, no token stored', async () => {
      const { status, body } = await register({ client_name: 'svc', grant_types: ['client_credentials'], scope: 'read' });
      expect(status).to.equal(201);
      const before = (await t.app.stores.sql.get<{ n: number }>('select count(*) as n from access_tokens'))!.n;
      const res = await cc(body.client_id, body.client_secret, API_A);
      expect(res.status).to.equal(400);
      expect((await res.json() as { error: string }).error).to.equal('invalid_target');
      expect(Number((await t.app.stores.sql.get<{ n: number }>('select count(*) as n from access_tokens'))!.n)).to.equal(Number(before));
      // Without a resource (Gatehouse's own APIs, as before resource indicators) it still gets its token.
      expect((await cc(body.client_id, body.client_secret)).status).to.equal(200);
    });

    it('a client registered by its owner still gets a token for the resource', async () => {
      const owner = await t.app.seed.user({ username: `own${Math.random().toString(36).slice(2, 8)}` });
      const { client, clientSecret } = await t.app.seed.client({ owner, grantTypes: ['client_credentials'], allowedScopes: ['read'] });
      const res = await cc(client.clientId, clientSecret!, API_A);
      expect(res.status, await res.clone().text()).to.equal(200);
    });
  });

  describe('#1/#3 the login detour of a pushed request keeps the original expiry and a capped size', () => {
    it('each unauthenticated hop gets a new request_uri, but never a later expiry than the pushed one', async () => {
      const setup = await codeFlowSetup(t);
      const pushedAt = Date.now();
      const res = await postForm(`${t.url}/o/par`, { response_type: 'code', redirect_uri: 'https://client.example.com/cb', scope: 'read', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' }, setup.auth);
      expect(res.status).to.equal(201);
      let uri = String((await res.json() as Json).request_uri);
      const anonymous = new Browser(t.url);
      for (let hop = 0; hop < 3; hop++) {
        const r = await anonymous.get(`/o/authorize/?${new URLSearchParams({ client_id: setup.client.clientId, request_uri: uri })}`);
        expect(r.status).to.equal(302);
        const next = new URL(r.headers.get('location')!, t.url).searchParams.get('next')!;
        uri = new URLSearchParams(next.slice(next.indexOf('?') + 1)).get('request_uri')!;
        const row = await t.app.stores.sql.get<{ expires_at: number | string }>('select expires_at from pushed_requests where request_hash = ?', [hashToken(uri)]);
        expect(Number(row!.expires_at), `hop ${hop}`).to.be.at.most(pushedAt + 61_000);
      }
    });
  });

  describe('#1 a request object is used once (its jti), by value', () => {
    it('the same signed object twice: the second → invalid_request_object, and no second pushed_requests row', async () => {
      const pair = await generateKeyPair('ES256', { extractable: true });
      const jwks = { keys: [{ ...await exportJWK(pair.publicKey), kid: 'k1', alg: 'ES256', use: 'sig' }] };
      const setup = await codeFlowSetup(t, { jwks, requestObjectSigningAlg: 'ES256' });
      const jwt = await new SignJWT({ response_type: 'code', client_id: setup.client.clientId, redirect_uri: 'https://client.example.com/cb', scope: 'read', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer(setup.client.clientId).setAudience(t.app.config.issuer).setJti(`j-${Math.random()}`)
        .setIssuedAt().setExpirationTime(Math.floor(Date.now() / 1000) + 120).sign(pair.privateKey);
      const anonymous = new Browser(t.url);
      const url = `/o/authorize/?${new URLSearchParams({ client_id: setup.client.clientId, request: jwt })}`;
      const count = async () => Number((await t.app.stores.sql.get<{ n: number }>('select count(*) as n from pushed_requests'))!.n);
      const first = await anonymous.get(url);
      expect(first.status).to.equal(302);
      const rows = await count();
      const again = await anonymous.get(url);
      expect(again.status).to.equal(400);
      expect(await again.text()).to.include('invalid_request_object');
      expect(await count()).to.equal(rows);
    });
  });

  describe('#1 the login detour is limited per source', () => {
    it('past LOGIN_DETOUR_LIMIT_PER_SOURCE a minute: 429 temporarily_unavailable with Retry-After, nothing stored', async () => {
      const small = await createTestApp({ rateLimit: { loginDetoursPerSource: 2 } });
      try {
        const setup = await codeFlowSetup(small);
        const anonymous = new Browser(small.url);
        const statuses: number[] = [];
        for (let i = 0; i < 3; i++) {
          const res = await postForm(`${small.url}/o/par`, { response_type: 'code', redirect_uri: 'https://client.example.com/cb', scope: 'read', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' }, setup.auth);
          const uri = String((await res.json() as Json).request_uri);
          const before = Number((await small.app.stores.sql.get<{ n: number }>('select count(*) as n from pushed_requests'))!.n);
          const r = await anonymous.get(`/o/authorize/?${new URLSearchParams({ client_id: setup.client.clientId, request_uri: uri })}`);
          statuses.push(r.status);
          if (r.status === 429) {
            expect(r.headers.get('retry-after')).to.match(/^\d+$/);
            expect(Number((await small.app.stores.sql.get<{ n: number }>('select count(*) as n from pushed_requests'))!.n)).to.equal(before - 1);
          }
        }
        expect(statuses).to.deep.equal([302, 302, 429]);
      } finally { await small.close(); }
    });
  });
});
