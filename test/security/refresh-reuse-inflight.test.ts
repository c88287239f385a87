import { expect } from 'chai';
import pg from 'pg';
import { hashToken } from '../../src/oauth2/tokens.ts';
import { createTestApp, type TestServer } from '../helpers.ts';
import { codeFlowSetup, codeFlowTokens, postForm } from '../oauth-helpers.ts';
import { POSTGRES_URL, type TestDatabase } from '../database.ts';

// Second read 11, #2 (PostgreSQL): RFC 9700 §4.14.2 reuse detection revoked the family with UPDATEs that cannot see a
// row a rotation in flight inserts: the refresh UPDATE waited on the rotated token's row lock, then re-checked that
// row only, and the new refresh token the rotation wrote stayed live. A thief rotating continuously survived the
// victim's replay. Here a rotation is held open on its own connection (its statements, in its order) while the
// rotated-away token is replayed.

describe('Second read 11, #2: reuse detection reaches a rotation in flight (PostgreSQL)', function () {
  let db: TestDatabase;
  let srv: TestServer;
  before(function () { if (!POSTGRES_URL) this.skip(); });
  beforeEach(async () => {
    srv = await createTestApp();
    db = srv.db!;
  });
  afterEach(() => srv?.close());

  it('RFC 9700 §4.14.2: replaying a rotated refresh token revokes the token a concurrent rotation is writing', async () => {
    const s = await codeFlowSetup(srv);
    const first = await codeFlowTokens(srv, s);
    const rotated = await postForm(`${srv.url}/o/token/`, { grant_type: 'refresh_token', refresh_token: first.refresh_token }, s.auth);
    expect(rotated.status).to.equal(200);
    const second = (await rotated.json()).refresh_token as string;
    const row = (await db.query<{ application_id: number; user_id: number; grant_id: number; family_id: string; scope: string }>(
      `select application_id, user_id, grant_id, family_id, scope from refresh_tokens where token_hash = '${hashToken(second)}'`))[0];

    // The thief's rotation of `second`, as TokenRepository.rotateRefreshToken runs it, not yet committed.
    const thief = new pg.Client({ connectionString: (db.database as { url: string }).url });
    await thief.connect();
    const now = Date.now();
    const third = hashToken(`thief-${now}`);
    try {
      await thief.query('begin');
      await thief.query('select g.revoked_at from grants g where g.id = $1 for share of g', [row.grant_id]);
      await thief.query('select t.id from refresh_tokens t where t.token_hash = $1 for update of t', [hashToken(second)]);
      await thief.query('update refresh_tokens set used_at = $1 where token_hash = $2 and used_at is null', [now, hashToken(second)]);
      await thief.query(`insert into refresh_tokens (token_hash, application_id, user_id, grant_id, scope, family_id, expires_at, created_at, resource, dpop_jkt, auth_time, sid, amr)
        values ($1, $2, $3, $4, $5, $6, $7, $8, '', null, null, null, '')`, [third, row.application_id, row.user_id, row.grant_id, row.scope, row.family_id, now + 3_600_000, now]);

      // The victim's client replays the token it held before the thief rotated it.
      const replay = postForm(`${srv.url}/o/token/`, { grant_type: 'refresh_token', refresh_token: first.refresh_token }, s.auth);
      await new Promise((r) => setTimeout(r, 400));
      await thief.query('commit');
      const res = await replay;
      expect(res.status).to.equal(400);
      expect((await res.json()).error).to.equal('invalid_grant');
    } finally { await thief.end(); }

    const live = await db.query<{ token_hash: string }>(`select token_hash from refresh_tokens where family_id = '${row.family_id}' and revoked_at is null`);
    expect(live, 'live refresh tokens of the family after the replay').to.deep.equal([]);
  });
});
