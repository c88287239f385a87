import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { createTestApp, type TestServer } from '../helpers.ts';
import { actors } from '../graphql/gql-helpers.ts';

// Issue 17 #10: /graphql reflected any Origin with Access-Control-Allow-Credentials: true, so any site an admin
// visited could read the admin API with their session. Credentialed CORS only for configured admin origins
// (Fetch standard, CORS protocol: no Access-Control-Allow-Origin, no cross-origin read).
const ADMIN = 'https://admin.example';
const EVIL = 'https://evil.example';

describe('security: CORS on the admin API (issue 17 #10)', () => {
  let srv: TestServer;
  let a: Awaited<ReturnType<typeof actors>>;
  afterEach(() => srv.close());

  const call = (origin: string, headers: Record<string, string> = {}) => fetch(`${srv.url}/graphql`, {
    method: 'POST', headers: { origin, 'content-type': 'application/json', accept: 'application/json', ...headers }, body: JSON.stringify({ query: '{ viewer { username } }' }),
  });
  const preflight = (origin: string) => fetch(`${srv.url}/graphql`, {
    method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
  });
  const noCors = (res: Response) => {
    for (const h of ['access-control-allow-origin', 'access-control-allow-credentials', 'access-control-allow-headers', 'access-control-allow-methods']) expect(res.headers.get(h), h).to.equal(null);
  };

  it('gives a foreign origin no CORS headers, with a session, a token or nothing (default: no admin origins)', async () => {
    srv = await createTestApp();
    a = await actors(srv);
    const browser = await a.aliceBrowser();
    const withSession = await browser.request('/graphql', { method: 'POST', headers: { origin: EVIL, 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ query: '{ viewer { username } }' }) });
    noCors(withSession);
    noCors(await call(EVIL, { authorization: `Bearer ${a.adminToken}` }));
    noCors(await call(EVIL));
    noCors(await preflight(EVIL));
    noCors(await call(ADMIN)); // not configured here
  });

  it('answers a configured admin origin with credentialed CORS, and still no other', async () => {
    srv = await createTestApp({ cors: { adminOrigins: [ADMIN] } });
    a = await actors(srv);
    const ok = await call(ADMIN, { authorization: `Bearer ${a.adminToken}` });
    expect(ok.status).to.equal(200);
    expect(ok.headers.get('access-control-allow-origin')).to.equal(ADMIN);
    expect(ok.headers.get('access-control-allow-credentials')).to.equal('true');
    expect(ok.headers.get('vary') ?? '').to.match(/\borigin\b/i);
    const pre = await preflight(ADMIN);
    expect(pre.status).to.be.within(200, 299);
    expect(pre.headers.get('access-control-allow-origin')).to.equal(ADMIN);
    expect(pre.headers.get('access-control-allow-credentials')).to.equal('true');
    expect(pre.headers.get('access-control-allow-headers') ?? '').to.match(/authorization/i);
    noCors(await call(EVIL, { authorization: `Bearer ${a.adminToken}` }));
    noCors(await preflight(EVIL));
    noCors(await call(`${ADMIN}.evil.example`));
    noCors(await call('null'));
  });

  it('reads ADMIN_ORIGINS from the environment and refuses entries that are not origins', () => {
    expect(loadConfig({ ADMIN_ORIGINS: `${ADMIN} http://localhost:3000` }).cors.adminOrigins).to.deep.equal([ADMIN, 'http://localhost:3000']);
    for (const bad of [`${ADMIN}/`, `${ADMIN}/console`, '*', 'admin.example']) {
      expect(() => loadConfig({ ADMIN_ORIGINS: bad }), bad).to.throw(ConfigError);
    }
  });
});
