// Attacker read 15, F2: anonymous requests wrote an audit row each (an unknown client_id with any secret, or a public
// client's refused request), and nothing ever removed them: one source grew the events table by ~1 KB a request. A
// source's failure rows are now bounded per window (FAILURE_EVENTS_PER_SOURCE); the answers themselves are unchanged.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { createTestApp, type TestServer } from '../helpers.ts';
import { postForm } from '../oauth-helpers.ts';

describe('security: failure events one source can write are bounded (attacker read 15, F2)', () => {
  let t: TestServer;
  before(async () => { t = await createTestApp({ trustProxy: true, rateLimit: { failureEventsPerSource: 5 } }); });
  after(() => t.close());

  const rows = async (type: string) => Number((await t.app.stores.sql.get<{ n: number | string }>('select count(*) as n from events where type = ?', [type]))!.n);
  const from = (ip: string) => ({ 'x-forwarded-for': ip });

  it('unknown client_ids and a public client\'s refused requests: every answer is the RFC error, only the first 5 of a source are recorded; another source has its own budget', async () => {
    const owner = await t.app.seed.user({ username: `o${randomBytes(3).toString('hex')}` });
    const { client } = await t.app.seed.client({ owner, clientType: 'public', tokenEndpointAuthMethod: 'none', grantTypes: ['authorization_code'], redirectUris: ['https://c.example/cb'] });
    const before = { failed: await rows('client.auth_failed'), refused: await rows('client.request_refused') };
    const unknown = await Promise.all(Array.from({ length: 12 }, () => postForm(`${t.url}/o/token/`, { grant_type: 'client_credentials' }, { id: `x${randomBytes(12).toString('hex')}`, secret: 'guess' }, from('198.51.100.7'))));
    expect(unknown.map((r) => r.status)).to.deep.equal(Array(12).fill(401));
    expect((await unknown[11].json()).error).to.equal('invalid_client');
    const refused = await Promise.all(Array.from({ length: 12 }, () => postForm(`${t.url}/o/token/`, { grant_type: 'authorization_code', code: 'nope', client_id: client.clientId, redirect_uri: 'https://c.example/cb', code_verifier: 'v'.repeat(43) }, undefined, from('198.51.100.7'))));
    expect(refused.map((r) => r.status)).to.deep.equal(Array(12).fill(400));
    expect((await refused[11].json()).error).to.equal('invalid_grant');
    const failed = await rows('client.auth_failed') - before.failed;
    const refusedRows = await rows('client.request_refused') - before.refused;
    expect(failed + refusedRows, `${failed} auth_failed + ${refusedRows} request_refused`).to.equal(5);
    // Another source (an IPv6 /64 is one) is recorded on its own budget.
    await postForm(`${t.url}/o/token/`, { grant_type: 'client_credentials' }, { id: 'nobody-here', secret: 'x' }, from('2001:db8::1'));
    expect(await rows('client.auth_failed') - before.failed).to.equal(failed + 1);
  });
});
