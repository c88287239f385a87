import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { Browser, csrfFrom, testIdValue } from '../helpers.ts';
import { authorizeThroughConsent, pkcePair, postForm } from '../oauth-helpers.ts';
import { POSTGRES_URL, REDIS_URL, testDatabase, type TestDatabase } from '../database.ts';
import { gatehouseSync, spawnServer as serve, stopServer as stop, type ServerProcess as Instance } from '../spawn-server.ts';

/**
 * Two Gatehouse processes on different ports behind an imaginary load balancer: whichever instance a request
 * reaches, the answer is the same. Run with Redis (shared sessions, limits, cache invalidation) and without it
 * (the database holds everything).
 */
for (const withRedis of [true, false]) {
  describe(`scale: two instances on one PostgreSQL${withRedis ? ' and one Redis' : ', no Redis'}`, function () {
    this.timeout(90_000);
    let db: TestDatabase;
    let a: Instance | undefined;
    let b: Instance | undefined;
    let clientId: string;
    let secret: string;
    let env: NodeJS.ProcessEnv;
    const redirectUri = 'https://client.example.com/cb';

    before(async function () {
      if (!POSTGRES_URL || (withRedis && !REDIS_URL)) this.skip();
      db = await testDatabase();
      env = {
        ...process.env, ...db.env, NODE_ENV: 'development', PORT: '0',
        REDIS_URL: withRedis ? REDIS_URL : '', REDIS_PREFIX: `gh_multi_${randomBytes(4).toString('hex')}:`,
        LOGIN_LIMIT_PER_USERNAME: '3', CLIENT_AUTH_FAILURE_LIMIT: '4',
      };
      gatehouseSync(['createuser', 'alice', '--password', 'alice-password-1'], env);
      gatehouseSync(['createuser', 'carol', '--password', 'carol-password-1'], env);
      const out = gatehouseSync(['createclient', '--name', 'Shared', '--owner', 'alice', '--grant-types', 'authorization-code',
        '--redirect-uris', redirectUri, '--scopes', 'read,write'], env);
      clientId = /client_id: (\S+)/.exec(out)![1];
      secret = /client_secret: (\S+)/.exec(out)![1];
      [a, b] = await Promise.all([serve(env), serve(env)]);
    });
    after(async () => { await Promise.all([stop(a), stop(b)]); await db?.drop(); });

    const introspect = (url: string, token: string, auth = { id: clientId, secret }) => postForm(`${url}/o/introspect/`, { token }, auth);

    it('logs in and consents on A, exchanges the code on B, introspects on A, revokes on B: inactive on A at once', async () => {
      const onA = new Browser(a!.url);
      expect((await onA.login('alice', 'alice-password-1')).status).to.equal(302);
      const { verifier, challenge } = pkcePair();
      const loc = await authorizeThroughConsent(onA, { response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope: 'read', state: 's1', code_challenge: challenge, code_challenge_method: 'S256' });
      const code = loc.searchParams.get('code')!;
      expect(code).to.be.a('string');

      const exchanged = await postForm(`${b!.url}/o/token/`, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }, { id: clientId, secret });
      expect(exchanged.status).to.equal(200);
      const tokens = await exchanged.json();
      const again = await postForm(`${a!.url}/o/token/`, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }, { id: clientId, secret });
      expect((await again.json()).error, 'the code is spent for every instance').to.equal('invalid_grant');

      // The replay above revoked what the code bought (RFC 6749 §4.1.2), on every instance.
      expect((await (await introspect(a!.url, tokens.access_token)).json()).active).to.equal(false);

      // A second, clean round: consent is remembered, the session on A works on B as well.
      const onB = new Browser(b!.url);
      for (const [k, v] of onA.cookies) onB.cookies.set(k, v);
      const pair = pkcePair();
      const loc2 = await authorizeThroughConsent(onB, { response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope: 'read', state: 's2', code_challenge: pair.challenge, code_challenge_method: 'S256' });
      expect(loc2.searchParams.get('state')).to.equal('s2');
      const t2 = await (await postForm(`${b!.url}/o/token/`, { grant_type: 'authorization_code', code: loc2.searchParams.get('code')!, redirect_uri: redirectUri, code_verifier: pair.verifier }, { id: clientId, secret })).json();
      expect(t2.access_token).to.be.a('string');

      const live = await (await introspect(a!.url, t2.access_token)).json();
      expect(live).to.include({ active: true, client_id: clientId, username: 'alice', scope: 'read' });
      const revoked = await postForm(`${b!.url}/o/revoke_token/`, { token: t2.access_token }, { id: clientId, secret });
      expect(revoked.status).to.equal(200);
      expect(await (await introspect(a!.url, t2.access_token)).json()).to.deep.equal({ active: false });

      // The refresh token still works, on either instance, and rotates once for both.
      const r1 = await postForm(`${a!.url}/o/token/`, { grant_type: 'refresh_token', refresh_token: t2.refresh_token }, { id: clientId, secret });
      expect(r1.status).to.equal(200);
      const r2 = await postForm(`${b!.url}/o/token/`, { grant_type: 'refresh_token', refresh_token: t2.refresh_token }, { id: clientId, secret });
      expect((await r2.json()).error).to.equal('invalid_grant');
    });

    it('counts failed logins across both instances', async () => {
      const attempt = async (url: string) => {
        const br = new Browser(url);
        return br.post('/accounts/login/', { csrfmiddlewaretoken: await br.csrf('/accounts/login/'), username: 'alice', password: 'wrong-password' });
      };
      expect((await attempt(a!.url)).status).to.equal(400);
      expect((await attempt(b!.url)).status).to.equal(400);
      expect((await attempt(a!.url)).status).to.equal(400);
      // LOGIN_LIMIT_PER_USERNAME=3: the fourth attempt is refused wherever it lands, even with the right password.
      const br = new Browser(b!.url);
      const blocked = await br.post('/accounts/login/', { csrfmiddlewaretoken: await br.csrf('/accounts/login/'), username: 'alice', password: 'alice-password-1' });
      expect(blocked.status).to.equal(429);
    });

    it('counts failed client authentications across both instances', async () => {
      for (const url of [a!.url, b!.url, a!.url, b!.url]) {
        expect((await introspect(url, 'x', { id: clientId, secret: 'wrong' })).status).to.equal(401);
      }
      // CLIENT_AUTH_FAILURE_LIMIT=4: the client_id is now refused on both, even with its real secret.
      const refused = await introspect(a!.url, 'x');
      expect(refused.status).to.equal(429);
      expect(refused.headers.get('retry-after')).to.match(/^\d+$/);
    });

    it('a client changed on one instance is changed on the other at once (secret rotation)', async function () {
      // A fresh client: the previous test locked the shared one out.
      const owner = new Browser(b!.url);
      // alice is throttled by now; carol registers the client instead.
      expect((await owner.login('carol', 'carol-password-1')).status).to.equal(302);
      const register = await owner.post('/o/applications/register/', {
        ...(await owner.formFields('/o/applications/register/')), name: 'Rotating', client_type: 'confidential',
        grant_types: 'client_credentials', redirect_uris: '', allowed_scopes: 'read', token_endpoint_auth_method: 'client_secret_basic',
      });
      expect(register.status).to.equal(302);
      const detailPath = new URL(register.headers.get('location')!, b!.url).pathname;
      const detail = await (await owner.get(detailPath)).text();
      const id = testIdValue(detail, 'client-id')!;
      const oldSecret = testIdValue(detail, 'client-secret')!;
      const cc = (url: string, s: string) => postForm(`${url}/o/token/`, { grant_type: 'client_credentials' }, { id, secret: s });
      expect((await cc(a!.url, oldSecret)).status, 'A knows the new client (and caches it)').to.equal(200);

      const page = await (await owner.get(detailPath)).text();
      const rotated = await owner.post(`${detailPath.replace(/\/$/, '')}/rotate-secret/`, { csrfmiddlewaretoken: csrfFrom(page)! });
      expect(rotated.status).to.equal(302);
      const newSecret = testIdValue(await (await owner.get(detailPath)).text(), 'client-secret')!;
      expect(newSecret).to.be.a('string').and.not.equal(oldSecret);

      expect((await cc(a!.url, oldSecret)).status, 'the old secret stops working on A at once').to.equal(401);
      expect((await cc(a!.url, newSecret)).status).to.equal(200);
    });

    it('a resource server registered by another process is known to both instances at once (RFC 8707 catalogue cache)', async () => {
      const out = gatehouseSync(['createclient', '--name', 'Machine', '--owner', 'carol', '--grant-types', 'client-credentials', '--scopes', 'read'], env);
      const auth = { id: /client_id: (\S+)/.exec(out)![1], secret: /client_secret: (\S+)/.exec(out)![1] };
      const resource = `https://rs-${randomBytes(3).toString('hex')}.example/api`;
      const cc = (url: string) => postForm(`${url}/o/token/`, { grant_type: 'client_credentials', scope: 'read', resource }, auth);
      // Both instances read (and may cache) the catalogue without it.
      for (const url of [a!.url, b!.url]) expect((await (await cc(url)).json()).error).to.equal('invalid_target');
      gatehouseSync(['createresource', resource, '--name', 'RS', '--scopes', 'read'], env);
      for (const url of [a!.url, b!.url]) expect((await cc(url)).status, `${url} after createresource`).to.equal(200);
      gatehouseSync(['deleteresource', resource], env);
      for (const url of [a!.url, b!.url]) expect((await (await cc(url)).json()).error, `${url} after deleteresource`).to.equal('invalid_target');
    });
  });
}
