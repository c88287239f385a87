import { expect } from 'chai';
import { createTestApp, type TestServer } from '../helpers.ts';
import { postForm } from '../oauth-helpers.ts';

describe('security: client secret brute force, health endpoints', () => {
  let srv: TestServer;
  beforeEach(async () => { srv = await createTestApp({ rateLimit: { clientAuthFailures: 5 } }); });
  afterEach(() => srv.close());

  it('refuses a client_id from that source outright (429, Retry-After) after repeated wrong secrets, even with the right one', async () => {
    const owner = await srv.app.seed.user({ username: 'o' });
    const { client, clientSecret } = await srv.app.seed.client({ owner, grantTypes: ['client_credentials'] });
    for (let i = 0; i < 5; i++) expect((await postForm(`${srv.url}/o/token/`, { grant_type: 'client_credentials' }, { id: client.clientId, secret: `guess-${i}` })).status).to.equal(401);
    const blocked = await postForm(`${srv.url}/o/token/`, { grant_type: 'client_credentials' }, { id: client.clientId, secret: clientSecret! });
    expect(blocked.status).to.equal(429);
    expect(Number(blocked.headers.get('retry-after'))).to.be.greaterThan(0);
    expect((await blocked.json()).error).to.equal('invalid_client');
    const alsoIntrospect = await postForm(`${srv.url}/o/introspect/`, { token: 'x' }, { id: client.clientId, secret: clientSecret! });
    expect(alsoIntrospect.status).to.equal(429);
  });

  it('/healthz answers while the process lives; /readyz checks the database', async () => {
    expect(await (await fetch(`${srv.url}/healthz`)).json()).to.deep.equal({ status: 'ok' });
    expect((await fetch(`${srv.url}/readyz`)).status).to.equal(200);
  });
});
