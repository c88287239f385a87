import { expect } from 'chai';
import { createTestApp, type TestServer } from '../helpers.ts';
import { codeFlowSetup, codeFlowTokens, postForm } from '../oauth-helpers.ts';

// Attacker read 8 (issue 21): a grant revoked while tokens are being issued under it. Issuance takes the grant's row
// before any other (PostgreSQL: FOR SHARE) and revocation changes the grant's row first, so whichever comes second
// sees the other: an issuance after the revocation is refused, one before it is revoked with it.
describe('Revoking a grant while tokens are issued under it (attacker read 8)', function () {
  this.timeout(120_000);
  let srv: TestServer;
  before(async () => { srv = await createTestApp(); });
  after(() => srv.close());

  const live = async (table: string, grantId: number) => srv.app.stores.sql.all(`select id from ${table} where grant_id = ? and revoked_at is null`, [grantId]);

  it('refresh rotations racing the user\'s revocation on the authorized-applications page leave no live token under the revoked grant', async () => {
    const setup = await codeFlowSetup(srv);
    for (let round = 0; round < 4; round++) {
      const refreshes: string[] = [];
      for (let i = 0; i < 10; i++) refreshes.push((await codeFlowTokens(srv, setup)).refresh_token!);
      const grant = (await srv.app.stores.sql.get<{ id: number }>('select id from grants where application_id = ?', [setup.client.id]))!;
      const csrf = await setup.browser.csrf(`/o/authorized_tokens/${grant.id}/delete/`);
      const answers = await Promise.all([
        ...refreshes.map((r) => postForm(`${srv.url}/o/token/`, { grant_type: 'refresh_token', refresh_token: r }, setup.auth)),
        setup.browser.post(`/o/authorized_tokens/${grant.id}/delete/`, { csrfmiddlewaretoken: csrf }),
      ]);
      expect(answers.map((r) => r.status).filter((s) => s >= 500), 'server errors').to.deep.equal([]);
      expect(await live('access_tokens', grant.id), `round ${round}: live access tokens under the revoked grant`).to.deep.equal([]);
      expect(await live('refresh_tokens', grant.id), `round ${round}: live refresh tokens under the revoked grant`).to.deep.equal([]);
    }
  });
});
