import { expect } from 'chai';
import { createTestApp, type TestServer } from '../helpers.ts';
import { codeFlowSetup, codeFlowTokens, consentForm, pkcePair, postForm, redirectedRefusal } from '../oauth-helpers.ts';

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

  it('a consent whose grant is revoked between the grant\'s write and the code\'s gets no code, and nothing lives under the grant (attacker read 9, F1)', async () => {
    const setup = await codeFlowSetup(srv);
    const { challenge } = pkcePair();
    const { fields } = await consentForm(setup.browser, { response_type: 'code', client_id: setup.client.clientId, redirect_uri: 'https://client.example.com/cb', scope: 'read', state: 's', code_challenge: challenge, code_challenge_method: 'S256' });
    const tokens = srv.app.stores.tokens;
    let grant!: { id: number };
    let reached!: () => void;
    const atSave = new Promise<void>((r) => { reached = r; });
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    // The approval has written the grant; it waits to write its code while the user revokes the grant.
    tokens.saveCode = (async (c: Parameters<typeof tokens.saveCode>[0]) => { reached(); await gate; return Object.getPrototypeOf(tokens).saveCode.call(tokens, c); }) as typeof tokens.saveCode;
    try {
      expect(fields, 'the consent page').to.not.equal(null);
      const consent = setup.browser.post('/o/authorize/', { ...fields!, allow: 'Authorize' });
      await atSave;
      grant = (await srv.app.stores.sql.get<{ id: number }>('select id from grants where application_id = ?', [setup.client.id]))!;
      await tokens.revokeByGrant(grant.id, Date.now());
      release();
      const res = await consent;
      // RFC 6749 §4.1.2.1: the redirect_uri was validated, so the client hears access_denied there (RFC 9207: with iss).
      expect(redirectedRefusal(res, { issuer: srv.app.config.issuer, state: 's' }).get('error')).to.equal('access_denied');
    } finally { release(); delete (tokens as { saveCode?: unknown }).saveCode; }
    expect(await srv.app.stores.sql.all('select id from authorization_codes where grant_id = ? and consumed_at is null', [grant.id]), 'live codes').to.deep.equal([]);
    expect(await live('access_tokens', grant.id)).to.deep.equal([]);
  });

  it('a password grant whose grant is revoked between the grant\'s write and the token\'s is refused (invalid_grant) and audited as refused, never as token.issued (second read 11, A)', async () => {
    const setup = await codeFlowSetup(srv, { grantTypes: ['authorization_code', 'password'] });
    const tokens = srv.app.stores.tokens;
    // The grant is written; the user revokes it just before its token is.
    tokens.issue = (async (rows: Parameters<typeof tokens.issue>[0]) => {
      await tokens.revokeByGrant(rows.access.grantId!, Date.now());
      return Object.getPrototypeOf(tokens).issue.call(tokens, rows);
    }) as typeof tokens.issue;
    let res: Response;
    try {
      res = await postForm(`${srv.url}/o/token/`, { grant_type: 'password', username: setup.user.username, password: setup.user.password, scope: 'read' }, setup.auth);
    } finally { delete (tokens as { issue?: unknown }).issue; }
    expect(res.status).to.equal(400);
    expect((await res.json()).error).to.equal('invalid_grant');
    expect(await srv.app.stores.sql.all('select id from access_tokens where application_id = ?', [setup.client.id]), 'access tokens').to.deep.equal([]);
    // An audit row queued beside the refused rows commits on its own (PostgreSQL: its own statement), possibly after
    // the answer: give it the time to land before looking.
    await new Promise((r) => setTimeout(r, 200));
    const events = (await srv.app.stores.sql.all<{ type: string; detail: string | null }>('select type, detail from events where client_id = ? order by id', [setup.client.clientId]))
      .map((e) => ({ type: e.type, detail: JSON.parse(e.detail ?? '{}') as Record<string, unknown> }));
    expect(events.filter((e) => e.type === 'token.issued'), 'token.issued events').to.deep.equal([]);
    expect(events.filter((e) => e.type === 'client.request_refused').map((e) => [e.detail.error, e.detail.reason]), 'the refusal').to.deep.equal([['invalid_grant', 'grant_ended']]);
  });
});
