import { expect } from 'chai';
import { createTestApp, csrfFrom, type TestServer } from '../helpers.ts';
import { codeFlowSetup, codeFlowTokens } from '../oauth-helpers.ts';
import { deliveryEvents, scriptedRp } from '../backchannel-rp.ts';

describe('OpenID Connect Back-Channel Logout 1.0 §2.8: delivery attempts', () => {
  let t: TestServer;
  before(async () => { t = await createTestApp({ outboundAllowedHosts: ['127.0.0.1'] }, { backchannelRetryDelaysMs: [20, 40, 80] }); });
  after(() => t.close());

  async function logOutVia(rpUrl: string) {
    const s = await codeFlowSetup(t, { allowedScopes: ['openid'], backchannelLogoutUri: rpUrl });
    await codeFlowTokens(t, s, { scope: 'openid' });
    const html = await (await s.browser.get('/o/logout/')).text();
    expect((await s.browser.post('/o/logout/confirm/', { csrfmiddlewaretoken: csrfFrom(html)! })).status).to.equal(200);
    return s;
  }

  it('a 500 and a cut connection are retried with backoff, then delivered: one event per attempt, a fresh token each time', async () => {
    const rp = await scriptedRp([500, 'drop', 200]);
    try {
      const s = await logOutVia(rp.url);
      const events = await deliveryEvents(t, s.client.clientId);
      expect(events.map((e) => [e.type, e.detail.attempt, e.detail.retry])).to.deep.equal([
        ['logout.backchannel.failed', 1, true], ['logout.backchannel.failed', 2, true], ['logout.backchannel.delivered', 3, false]]);
      expect(events[0].detail.status).to.equal(500);
      expect(events[1].detail.error).to.be.a('string');
      expect(rp.tokens).to.have.length(3);
      // Each attempt signs a new token (its own jti and iat), so a retry never replays one the RP may have seen.
      expect(new Set(rp.tokens).size).to.equal(3);
    } finally { rp.server.close(); }
  });

  it('bounded: a relying party that always fails gets 1 + 3 attempts, the last one marked final', async () => {
    const rp = await scriptedRp([503]);
    try {
      const s = await logOutVia(rp.url);
      const events = await deliveryEvents(t, s.client.clientId);
      expect(events.map((e) => [e.type, e.detail.attempt, e.detail.retry])).to.deep.equal([
        ['logout.backchannel.failed', 1, true], ['logout.backchannel.failed', 2, true], ['logout.backchannel.failed', 3, true], ['logout.backchannel.failed', 4, false]]);
      expect(rp.tokens).to.have.length(4);
    } finally { rp.server.close(); }
  });

  it('§2.8: 400 means the relying party rejected the logout token: no retry (the same token would be rejected again)', async () => {
    const rp = await scriptedRp([400, 200]);
    try {
      const s = await logOutVia(rp.url);
      const events = await deliveryEvents(t, s.client.clientId);
      expect(events.map((e) => [e.type, e.detail.attempt, e.detail.status, e.detail.retry])).to.deep.equal([['logout.backchannel.failed', 1, 400, false]]);
      expect(rp.tokens).to.have.length(1);
    } finally { rp.server.close(); }
  });

  it('§2.8: 204 No Content counts as success', async () => {
    const rp = await scriptedRp([204]);
    try {
      const s = await logOutVia(rp.url);
      expect((await deliveryEvents(t, s.client.clientId)).map((e) => e.type)).to.deep.equal(['logout.backchannel.delivered']);
    } finally { rp.server.close(); }
  });
});
