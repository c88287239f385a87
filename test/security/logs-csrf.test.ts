import { expect } from 'chai';
import { createApp } from '../../src/index.ts';
import { createLogger } from '../../src/logger.ts';
import { Browser, createTestApp, csrfFrom, type TestServer } from '../helpers.ts';
import { authorizeThroughConsent, codeFlowSetup, getCode, postForm } from '../oauth-helpers.ts';

describe('security: secrets never reach the logs; every form needs its CSRF token', () => {
  it('logs nothing secret during full flows, including failures', async () => {
    const lines: string[] = [];
    const app = await createApp({ env: 'development', database: { file: ':memory:' }, logRequests: true }, { logger: createLogger((l) => lines.push(l)) });
    const { url } = await app.listen(0, '127.0.0.1');
    const srv: TestServer = { app, url, close: () => app.close() };
    try {
      const s = await codeFlowSetup(srv, { grantTypes: ['authorization_code', 'password'] });
      const secrets = [s.secret!, s.user.password];
      const { code, verifier } = await getCode(s);
      secrets.push(code, verifier);
      const t = await (await postForm(`${url}/o/token/`, { grant_type: 'authorization_code', code, redirect_uri: 'https://client.example.com/cb', code_verifier: verifier }, s.auth)).json();
      secrets.push(t.access_token, t.refresh_token);
      const r = await (await postForm(`${url}/o/token/`, { grant_type: 'refresh_token', refresh_token: t.refresh_token }, s.auth)).json();
      secrets.push(r.access_token, r.refresh_token);
      await postForm(`${url}/o/token/`, { grant_type: 'refresh_token', refresh_token: t.refresh_token }, s.auth); // reuse
      await postForm(`${url}/o/token/`, { grant_type: 'password', username: s.user.username, password: 'wrong-password' }, s.auth);
      await postForm(`${url}/o/token/`, { grant_type: 'client_credentials' }, { id: s.client.clientId, secret: 'wrong-secret' });
      await postForm(`${url}/o/introspect/`, { token: r.access_token }, s.auth);
      await postForm(`${url}/o/revoke_token/`, { token: r.refresh_token }, s.auth);
      await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${r.access_token}` }, body: '{"query":"{ viewer { id } }"}' });
      await fetch(`${url}/o/token/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `grant_type=password&password=${encodeURIComponent(s.user.password)}&client_id=%00` });
      const all = lines.join('\n');
      for (const secret of secrets) expect(all.includes(secret), 'a secret was logged').to.equal(false);
    } finally { await app.close(); }
  });

  describe('CSRF', () => {
    let srv: TestServer;
    let s: Awaited<ReturnType<typeof codeFlowSetup>>;
    before(async () => {
      srv = await createTestApp();
      s = await codeFlowSetup(srv, { redirectUris: ['https://client.example.com/cb'], oauth1Enabled: true });
      await authorizeThroughConsent(s.browser, { response_type: 'code', client_id: s.client.clientId, code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' });
    });
    after(() => srv.close());

    const forms = () => [
      ['/accounts/logout/', {}], ['/o/applications/register/', { name: 'x', grant_types: 'client_credentials' }],
      [`/o/applications/${s.client.id}/update/`, { name: 'x', grant_types: 'client_credentials' }], [`/o/applications/${s.client.id}/rotate-secret/`, {}],
      [`/o/applications/${s.client.id}/delete/`, {}], ['/o/authorize/', { client_id: s.client.clientId, response_type: 'code', allow: 'Authorize' }],
      ['/o/authorized_tokens/1/delete/', {}], ['/oauth1/authorize', { oauth_token: 'x', allow: 'Authorize' }],
    ] as [string, Record<string, string>][];

    it('refuses every state-changing form without the token, and with a token from another session', async () => {
      const other = new Browser(srv.url);
      const foreign = csrfFrom(await (await other.get('/accounts/login/')).text())!;
      for (const [path, body] of forms()) {
        expect((await s.browser.post(path, body)).status, path).to.equal(403);
        expect((await s.browser.post(path, { ...body, csrfmiddlewaretoken: foreign })).status, path).to.equal(403);
      }
      // Nothing happened: still logged in, application and grant intact.
      expect((await s.browser.get('/o/applications/')).status).to.equal(200);
      expect(await srv.app.withContext(() => srv.app.stores.clients.findById(s.client.id))).to.not.equal(null);
    });
  });
});
