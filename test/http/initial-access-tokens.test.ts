import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestApp, type TestServer } from '../helpers.ts';
import { actors } from '../graphql/gql-helpers.ts';
import { testDatabase, type TestDatabase } from '../database.ts';
import { gatehouse as run } from '../spawn-server.ts';
import { createApp } from '../../src/index.ts';

type Json = Record<string, any>;
const WEB = { redirect_uris: ['https://rp.example/cb'], client_name: 'RP' };
const register = (t: TestServer | { url: string }, token: string) =>
  fetch(`${t.url}/o/register`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, body: JSON.stringify(WEB) });

const LIST = '{ initialAccessTokens { id singleUse expiresAt createdAt uses lastUsedAt } }';
const CREATE = (singleUse: boolean) => `mutation { createInitialAccessToken(singleUse: ${singleUse}, expiresIn: 600) { id token singleUse } }`;
const REVOKE = (id: string) => `mutation { revokeInitialAccessToken(id: "${id}") }`;

describe('RFC 7591 §3 initial access tokens: administrators list and revoke them', () => {
  let t: TestServer;
  let a: Awaited<ReturnType<typeof actors>>;
  before(async () => { t = await createTestApp({ registration: 'token' }); a = await actors(t); });
  after(() => t.close());

  it('GraphQL: listed with their use count (never the token), revoked at once, audited', async () => {
    const multi = (await a.admin(CREATE(false))).data.createInitialAccessToken;
    const single = (await a.admin(CREATE(true))).data.createInitialAccessToken;
    expect(multi.id).to.be.a('string');
    expect((await register(t, multi.token)).status).to.equal(201);
    expect((await register(t, multi.token)).status).to.equal(201);
    const listed = (await a.admin(LIST)).data.initialAccessTokens as Json[];
    const m = listed.find((x) => x.id === multi.id)!;
    expect(m).to.include({ singleUse: false, uses: 2 });
    expect(Date.parse(m.lastUsedAt)).to.be.closeTo(Date.now(), 60_000);
    expect(Date.parse(m.expiresAt) - Date.parse(m.createdAt)).to.be.closeTo(600_000, 5_000);
    expect(listed.find((x) => x.id === single.id)).to.include({ singleUse: true, uses: 0, lastUsedAt: null });
    // Newest first.
    expect(listed.map((x) => x.id).indexOf(single.id)).to.be.below(listed.map((x) => x.id).indexOf(multi.id));

    const revoked = await a.admin(REVOKE(multi.id));
    expect(revoked.data.revokeInitialAccessToken).to.equal(true);
    const after = await register(t, multi.token);
    expect(after.status).to.equal(401);
    expect((await after.json() as Json).error).to.equal('invalid_token');
    expect((await a.admin(LIST)).data.initialAccessTokens.map((x: Json) => x.id)).to.not.include(multi.id);
    expect((await a.admin(REVOKE(multi.id))).data.revokeInitialAccessToken).to.equal(false);
    const events = await t.app.stores.sql.all<Json>('select * from events where type = ?', ['registration.initial_token_revoked']);
    expect(events).to.have.length(1);
    expect(events[0].user_id).to.equal(a.root.id);

    // A single-use token is gone from the list once spent.
    expect((await register(t, single.token)).status).to.equal(201);
    expect((await a.admin(LIST)).data.initialAccessTokens.map((x: Json) => x.id)).to.not.include(single.id);
  });

  it('GraphQL: nobody but administrators lists or revokes them (FORBIDDEN / UNAUTHENTICATED, nothing revealed)', async () => {
    const issued = (await a.admin(CREATE(false))).data.createInitialAccessToken;
    for (const [who, call] of [['user', a.user], ['anonymous', a.anonymous]] as const) {
      const list = await call(LIST);
      expect(list.data?.initialAccessTokens ?? null, who).to.equal(null);
      expect(list.errors?.[0]?.extensions?.code, who).to.be.oneOf(['FORBIDDEN', 'UNAUTHENTICATED']);
      const revoke = await call(REVOKE(issued.id));
      expect(revoke.data?.revokeInitialAccessToken ?? null, who).to.equal(null);
      expect(revoke.errors?.[0]?.extensions?.code, who).to.be.oneOf(['FORBIDDEN', 'UNAUTHENTICATED']);
    }
    expect((await register(t, issued.token)).status).to.equal(201);
  });

  it('GraphQL: expiresIn outside 60 s..10 years is BAD_USER_INPUT, nothing stored', async () => {
    const before = (await a.admin(LIST)).data.initialAccessTokens.length;
    for (const expiresIn of [59, 0, -1, 400_000_000]) {
      const r = await a.admin(`mutation { createInitialAccessToken(singleUse: true, expiresIn: ${expiresIn}) { id } }`);
      expect(r.errors?.[0]?.extensions?.code, String(expiresIn)).to.equal('BAD_USER_INPUT');
    }
    expect((await a.admin(LIST)).data.initialAccessTokens.length).to.equal(before);
  });

  it('GraphQL: an id out of range is not found (false), never an error page', async () => {
    for (const id of ['0', '-1', '99999999999', 'abc']) {
      const r = await a.admin(REVOKE(id));
      expect(r.errors, id).to.equal(undefined);
      expect(r.data.revokeInitialAccessToken, id).to.equal(false);
    }
  });
});

describe('CLI: createinitialtoken, listinitialtokens, revokeinitialtoken', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let db: TestDatabase;
  const gatehouse = (...args: string[]) => run(args, env);
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-iat-'));
    db = await testDatabase({ sqliteFile: join(dir, 'iat.sqlite'), empty: true });
    env = { ...process.env, ...db.env, NODE_ENV: 'development', REGISTRATION: 'token' };
    await gatehouse('migrate');
  });
  after(async () => { rmSync(dir, { recursive: true, force: true }); await db.drop(); });

  it('prints the id with the token, lists it without the token, and revokes it', async () => {
    const created = (await gatehouse('createinitialtoken', '--multi-use')).stdout;
    const [, id, token] = /Initial access token (\d+) \(shown once\): (\S+)/.exec(created)!;
    const listed = (await gatehouse('listinitialtokens')).stdout;
    expect(listed).to.match(new RegExp(`^${id}\\tmulti-use\\t`, 'm'));
    expect(listed).to.not.include(token);
    const app = await createApp({ env: 'test', database: db.database, registration: 'token' });
    try {
      const { url } = await app.listen(0, '127.0.0.1');
      expect((await register({ url }, token)).status).to.equal(201);
      expect((await gatehouse('listinitialtokens')).stdout).to.match(new RegExp(`^${id}\\t.*\\tuses 1\\t`, 'm'));
      expect((await gatehouse('revokeinitialtoken', id)).stdout).to.include(`${id} revoked`);
      expect((await register({ url }, token)).status).to.equal(401);
    } finally { await app.close(); }
    const again = await gatehouse('revokeinitialtoken', id).catch((e) => e);
    expect(again.code ?? again.exitCode).to.equal(1);
  });

  it('--expires-in outside 60 s..10 years (1e300, 59) is refused with a clear error and stores nothing; listing still works', async () => {
    const before = (await gatehouse('listinitialtokens')).stdout;
    for (const value of ['1e300', '59', '1.5', 'soon']) {
      const refused = await gatehouse('createinitialtoken', '--expires-in', value).catch((e) => e);
      expect(refused.code ?? refused.exitCode, value).to.equal(2);
      expect(String(refused.stderr), value).to.match(/--expires-in: expires_in must be a whole number of seconds from 60 to 315360000/);
    }
    expect((await gatehouse('listinitialtokens')).stdout).to.equal(before);
    expect((await gatehouse('createinitialtoken', '--expires-in', '60')).stdout).to.match(/Expires: \d{4}-/);
  });
});
