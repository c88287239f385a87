// This file is the README's "Testing your app against Gatehouse" example, verbatim: if it breaks, so does the README.
import { expect } from 'chai';
import { createApp, encodeBasicAuthorization } from 'gatehouse';

describe('my API, tested against an in-process Gatehouse', () => {
  let gatehouse: Awaited<ReturnType<typeof createApp>>;
  let url: string;
  let clientId: string;
  let clientSecret: string;

  before(async () => {
    gatehouse = await createApp({ env: 'test', database: { file: ':memory:' } });
    ({ url } = await gatehouse.listen(0));
    const owner = await gatehouse.seed.user({ username: 'alice', password: 'alice-password' });
    const { client, clientSecret: secret } = await gatehouse.seed.client({ owner, grantTypes: ['client_credentials'], allowedScopes: ['read'] });
    clientId = client.clientId;
    clientSecret = secret!;
  });

  after(() => gatehouse.close());

  it('gets a token and calls a protected resource', async () => {
    const res = await fetch(`${url}/o/token/`, {
      method: 'POST',
      headers: { authorization: encodeBasicAuthorization(clientId, clientSecret), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'read' }),
    });
    expect(res.status).to.equal(200);
    const { access_token } = await res.json();
    const hello = await fetch(`${url}/api/hello`, { headers: { authorization: `Bearer ${access_token}` } });
    expect(hello.status).to.equal(200);
  });
});
