import { expect } from 'chai';
import { createApp, encodeBasicAuthorization, type Gatehouse } from '../../src/index.ts';
import { POSTGRES_URL, testDatabase, type TestDatabase } from '../database.ts';
import { tcpProxy } from './proxy.ts';
import { Browser } from '../helpers.ts';

// RFC 6749 §5.2 has no code for an outage; like §4.1.2.1's temporarily_unavailable, the caller learns it may retry.
describe('faults: the database goes away and comes back (PostgreSQL)', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let proxy: Awaited<ReturnType<typeof tcpProxy>>;
  let app: Gatehouse;
  let url: string;
  let auth: string;

  before(async function () {
    if (!POSTGRES_URL) this.skip();
    db = await testDatabase();
    const real = new URL(db.database.url!);
    proxy = await tcpProxy({ host: real.hostname, port: Number(real.port || 5432) });
    real.host = `127.0.0.1:${proxy.port}`;
    app = await createApp({ env: 'test', database: { url: real.toString() } });
    ({ url } = await app.listen(0, '127.0.0.1'));
    const owner = await app.seed.user({ username: 'owner' });
    const { client, clientSecret } = await app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: [] });
    auth = encodeBasicAuthorization(client.clientId, clientSecret!);
  });
  after(async () => { await app?.close(); await proxy?.close(); await db?.drop(); });

  const token = () => fetch(`${url}/o/token/`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });

  it('answers 503 with a JSON error (and an HTML page for browsers), stays up, and recovers when it returns', async () => {
    expect((await token()).status).to.equal(200);
    const before = await token();
    const { access_token } = await before.json();

    await proxy.cut();
    const down = await token();
    expect(down.status).to.equal(503);
    expect(down.headers.get('cache-control')).to.equal('no-store');
    expect(down.headers.get('retry-after')).to.match(/^\d+$/);
    expect(await down.json()).to.deep.include({ error: 'temporarily_unavailable' });

    const introspect = await fetch(`${url}/o/introspect/`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: access_token }) });
    expect(introspect.status).to.equal(503);
    // The login form itself needs no database (an anonymous visitor's token is a cookie of their own); signing in does.
    const browser = new Browser(url, { accept: 'text/html' });
    const csrf = await browser.csrf('/accounts/login/');
    const page = await browser.post('/accounts/login/', { csrfmiddlewaretoken: csrf, username: 'nobody', password: 'not checked' });
    expect(page.status).to.equal(503);
    expect(page.headers.get('content-type')).to.match(/text\/html/);
    const html = await page.text();
    expect(html).to.match(/Temporarily unavailable/i);
    expect(html).not.to.match(/at \w+ \(|node_modules|ECONNREFUSED/);

    expect((await fetch(`${url}/healthz`)).status, 'liveness: the process is fine').to.equal(200);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status, 'readiness: the database is not').to.equal(503);

    await proxy.restore();
    let status = 0;
    for (let i = 0; i < 40 && status !== 200; i++) {
      status = (await token()).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 250));
    }
    expect(status, 'recovers without a restart').to.equal(200);
    expect((await fetch(`${url}/readyz`)).status).to.equal(200);
    const still = await fetch(`${url}/o/introspect/`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: access_token }) });
    expect((await still.json()).active, 'what was stored before the outage is still there').to.equal(true);
  });
});
