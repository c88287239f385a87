import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { createApp, type Gatehouse } from '../../src/index.ts';
import { decide, findPending, type AuthorizationDeps } from '../../src/oauth1/authorization.ts';
import { formatAuthorizationHeader } from '../../src/oauth1/encoding.ts';
import { isOAuth1Error } from '../../src/oauth1/errors.ts';
import { issueTemporaryCredentials, issueTokenCredentials, verifyResourceRequest, type FlowContext } from '../../src/oauth1/flows.ts';
import type { OAuth1Request } from '../../src/oauth1/params.ts';
import { sign, signatureBaseString } from '../../src/oauth1/signature.ts';
import type { AuditEvent } from '../../src/oauth2/store.ts';
import { testDatabase, type TestDatabase } from '../database.ts';

// The core of RFC 5849 §2 driven directly: signed requests as plain values, the real storage behind the
// OAuth1FlowStore interface, no HTTP. test/e2e/oauth1.test.ts drives the same steps over HTTP with a client library.

const CALLBACK = 'https://consumer.example/cb?session=1';
const URL_INITIATE = 'https://gatehouse.test/oauth1/initiate';
const URL_TOKEN = 'https://gatehouse.test/oauth1/token';
const URL_RESOURCE = 'https://gatehouse.test/api/oauth1/user';

interface Signer { key: string; secret: string }

/** A request signed with HMAC-SHA1 the way a client does it (§3.4.2), parameters in the Authorization header. */
function signed(url: string, consumer: Signer, o: { token?: Signer; extra?: Record<string, string>; nonce?: string; tamper?: boolean } = {}): OAuth1Request {
  const params: Array<[string, string]> = [
    ['oauth_consumer_key', consumer.key], ['oauth_signature_method', 'HMAC-SHA1'], ['oauth_version', '1.0'],
    ['oauth_timestamp', String(Math.floor(Date.now() / 1000))], ['oauth_nonce', o.nonce ?? randomBytes(8).toString('hex')],
    ...(o.token ? [['oauth_token', o.token.key] as [string, string]] : []), ...Object.entries(o.extra ?? {}),
  ];
  const signature = sign('HMAC-SHA1', signatureBaseString('POST', url, params), consumer.secret, o.token?.secret ?? '');
  return { method: 'POST', url, authorization: formatAuthorizationHeader([...params, ['oauth_signature', o.tamper ? `x${signature}` : signature]]) };
}

/** Runs `step` and returns the OAuth1Error it throws as [status, problem]. */
async function refusal(step: Promise<unknown>): Promise<[number, string]> {
  try { await step; } catch (e) {
    if (isOAuth1Error(e)) return [e.status, e.problem];
    throw e;
  }
  throw new Error('the step succeeded');
}

describe('RFC 5849 §2 flows (core, real storage)', () => {
  let db: TestDatabase;
  let app: Gatehouse;
  let consumer: Signer;
  let user: Awaited<ReturnType<Gatehouse['seed']['user']>>;
  let events: AuditEvent[];
  let ctx: FlowContext & { temporaryTtl: number };
  let authDeps: AuthorizationDeps;

  beforeEach(async () => {
    db = await testDatabase();
    app = await createApp({ env: 'test', database: db.database, ...db.redis });
    user = await app.seed.user({ username: `u${randomBytes(3).toString('hex')}` });
    const { client, clientSecret } = await app.seed.client({ owner: user, redirectUris: [CALLBACK], oauth1Enabled: true });
    consumer = { key: client.clientId, secret: clientSecret! };
    events = [];
    const sink = { record: async (e: AuditEvent) => { events.push(e); } };
    const audit = { ip: '192.0.2.1', requestId: 'req-1' };
    ctx = { store: app.stores.oauth1, events: sink, audit, now: Date.now(), allowPlaintext: false, temporaryTtl: 600 };
    authDeps = { store: app.stores.oauth1, grants: app.stores.grants, events: sink, now: Date.now(), audit };
  });
  afterEach(async () => { await app.close(); await db.drop(); });

  const initiate = (callback = CALLBACK) => issueTemporaryCredentials(signed(URL_INITIATE, consumer, { extra: { oauth_callback: callback } }), ctx);

  /** §2.1 then §2.2 (approved): the temporary credentials and the verifier. */
  async function approved(callback = CALLBACK) {
    const temp = await initiate(callback);
    const decision = await decide((await findPending(app.stores.oauth1, temp.oauth_token, Date.now()))!, user.id, true, authDeps);
    if (decision.outcome !== 'approved') throw new Error(decision.outcome);
    return { temp: { key: temp.oauth_token, secret: temp.oauth_token_secret }, verifier: decision.verifier, redirect: decision.redirect };
  }
  const exchange = (temp: Signer, verifier: string) => issueTokenCredentials(signed(URL_TOKEN, consumer, { token: temp, extra: { oauth_verifier: verifier } }), ctx);
  const tokenRows = async () => (await app.stores.sql.all<{ kind: string }>('select kind from oauth1_tokens')).map((r) => r.kind);

  it('exchanges racing the revocation of their grant leave no live token credentials under it (attacker read 9, F2)', async function () {
    this.timeout(60_000);
    for (let round = 0; round < 4; round++) {
      const pending = await Promise.all(Array.from({ length: 25 }, () => approved()));
      const grant = (await app.stores.sql.get<{ id: number }>('select id from grants where user_id = ? and application_id = (select id from applications where client_id = ?)', [user.id, consumer.key]))!;
      const results = await Promise.allSettled([app.stores.tokens.revokeByGrant(grant.id, Date.now()), ...pending.map((p) => exchange(p.temp, p.verifier))]);
      expect(results[0].status, 'the revocation').to.equal('fulfilled');
      const live = await app.stores.sql.all("select id from oauth1_tokens where grant_id = ? and kind = 'access' and revoked_at is null", [grant.id]);
      expect(live, `round ${round}: live token credentials under the revoked grant`).to.deep.equal([]);
    }
  });

  describe('§2.1 temporary credentials', () => {
    it('issues them with oauth_callback_confirmed=true, stored as pending for the registered callback', async () => {
      const temp = await initiate();
      expect(temp.oauth_callback_confirmed).to.equal('true');
      expect(temp.oauth_token).to.be.a('string').and.not.equal(temp.oauth_token_secret);
      const pending = await findPending(app.stores.oauth1, temp.oauth_token, Date.now());
      expect(pending).to.include({ callback: CALLBACK });
    });

    it('keeps "oob" as out of band: no callback', async () => {
      const temp = await initiate('oob');
      expect((await findPending(app.stores.oauth1, temp.oauth_token, Date.now()))!.callback).to.equal(null);
    });

    it('refuses a missing oauth_callback (400 parameter_absent) and an unregistered one (400 parameter_rejected)', async () => {
      expect(await refusal(issueTemporaryCredentials(signed(URL_INITIATE, consumer), ctx))).to.deep.equal([400, 'parameter_absent']);
      expect(await refusal(initiate('https://evil.example/cb'))).to.deep.equal([400, 'parameter_rejected']);
      expect(await tokenRows()).to.deep.equal([]);
    });

    it('refuses a bad signature (401 signature_invalid) and an unknown consumer (401 consumer_key_unknown), storing nothing', async () => {
      const tampered = signed(URL_INITIATE, consumer, { extra: { oauth_callback: CALLBACK }, tamper: true });
      expect(await refusal(issueTemporaryCredentials(tampered, ctx))).to.deep.equal([401, 'signature_invalid']);
      const wrongSecret = signed(URL_INITIATE, { ...consumer, secret: 'not-the-secret' }, { extra: { oauth_callback: CALLBACK } });
      expect(await refusal(issueTemporaryCredentials(wrongSecret, ctx))).to.deep.equal([401, 'signature_invalid']);
      const unknown = signed(URL_INITIATE, { key: 'nobody', secret: 'x' }, { extra: { oauth_callback: CALLBACK } });
      expect(await refusal(issueTemporaryCredentials(unknown, ctx))).to.deep.equal([401, 'consumer_key_unknown']);
      expect(await tokenRows()).to.deep.equal([]);
    });

    it('§3.3: refuses a reused nonce (401 nonce_used)', async () => {
      const req = signed(URL_INITIATE, consumer, { extra: { oauth_callback: CALLBACK }, nonce: 'once' });
      await issueTemporaryCredentials(req, ctx);
      expect(await refusal(issueTemporaryCredentials(req, ctx))).to.deep.equal([401, 'nonce_used']);
      expect(await tokenRows()).to.deep.equal(['temporary']);
    });

    it('runs the consumer and signature checks inside the guard, keyed by the consumer key', async () => {
      const guarded: string[] = [];
      await issueTemporaryCredentials(signed(URL_INITIATE, consumer, { extra: { oauth_callback: CALLBACK } }), {
        ...ctx, guard: (key, check) => { guarded.push(key); return check(); },
      });
      expect(guarded).to.deep.equal([consumer.key]);
    });
  });

  describe('§2.2 resource owner authorization', () => {
    it('approves: the callback gets oauth_token and oauth_verifier appended to its own query; consent.granted is recorded', async () => {
      const { temp, verifier, redirect } = await approved();
      const back = new URL(redirect!);
      expect(`${back.origin}${back.pathname}`).to.equal('https://consumer.example/cb');
      expect([...back.searchParams]).to.deep.equal([['session', '1'], ['oauth_token', temp.key], ['oauth_verifier', verifier]]);
      expect(events.map((e) => [e.type, e.userId, e.ip, e.requestId])).to.deep.equal([['consent.granted', user.id, '192.0.2.1', 'req-1']]);
    });

    it('out of band: no redirect, the verifier is handed to the page', async () => {
      const { verifier, redirect } = await approved('oob');
      expect(redirect).to.equal(null);
      expect(verifier).to.be.a('string').with.length.above(15);
    });

    it('refuses: oauth_problem=user_refused, the temporary credentials stop being pending and cannot be exchanged', async () => {
      const temp = await initiate();
      const decision = await decide((await findPending(app.stores.oauth1, temp.oauth_token, Date.now()))!, user.id, false, authDeps);
      expect(decision.outcome).to.equal('refused');
      expect(new URL((decision as { redirect: string }).redirect).searchParams.get('oauth_problem')).to.equal('user_refused');
      expect(events.map((e) => e.type)).to.deep.equal(['consent.denied']);
      expect(await findPending(app.stores.oauth1, temp.oauth_token, Date.now())).to.equal(null);
      expect(await refusal(exchange({ key: temp.oauth_token, secret: temp.oauth_token_secret }, 'anything'))).to.deep.equal([401, 'token_rejected']);
    });

    it('answers once: a second approval changes nothing', async () => {
      const { temp } = await approved();
      const again = await decide((await findPending(app.stores.oauth1, temp.key, Date.now()))!, user.id, true, authDeps);
      expect(again).to.deep.equal({ outcome: 'already_answered' });
    });

    it('knows no pending authorization for an unknown, missing or expired token', async () => {
      expect(await findPending(app.stores.oauth1, 'unknown', Date.now())).to.equal(null);
      expect(await findPending(app.stores.oauth1, undefined, Date.now())).to.equal(null);
      const temp = await initiate();
      expect(await findPending(app.stores.oauth1, temp.oauth_token, Date.now() + 601_000)).to.equal(null);
    });
  });

  describe('§2.3 token credentials', () => {
    it('exchanges the verifier for token credentials that sign resource requests (§3) for the user; token.issued is recorded', async () => {
      const { temp, verifier } = await approved();
      const creds = await exchange(temp, verifier);
      expect(Object.keys(creds)).to.deep.equal(['oauth_token', 'oauth_token_secret']);
      expect(events.at(-1)).to.include({ type: 'token.issued', userId: user.id, clientId: consumer.key });
      const access = await verifyResourceRequest(signed(URL_RESOURCE, consumer, { token: { key: creds.oauth_token, secret: creds.oauth_token_secret } }), ctx, { oauth1: app.stores.oauth1, users: app.stores.users });
      expect(access).to.deep.equal({ consumerKey: consumer.key, userId: user.id, username: user.username });
    });

    it('refuses a wrong verifier (401 verifier_invalid) and a missing one (400 parameter_absent)', async () => {
      const { temp } = await approved();
      expect(await refusal(exchange(temp, 'wrong'))).to.deep.equal([401, 'verifier_invalid']);
      expect(await refusal(issueTokenCredentials(signed(URL_TOKEN, consumer, { token: temp }), ctx))).to.deep.equal([400, 'parameter_absent']);
    });

    it('spends the temporary credentials once: a second exchange with the same verifier is refused (401)', async () => {
      const { temp, verifier } = await approved();
      await exchange(temp, verifier);
      expect(await refusal(exchange(temp, verifier))).to.deep.equal([401, 'token_rejected']);
      expect((await tokenRows()).sort()).to.deep.equal(['access', 'temporary']);
    });

    it('gives one success to concurrent exchanges of one verifier', async () => {
      const { temp, verifier } = await approved();
      const results = await Promise.allSettled(Array.from({ length: 5 }, () => exchange(temp, verifier)));
      expect(results.filter((r) => r.status === 'fulfilled')).to.have.length(1);
    });

    it('keeps the two kinds apart: temporary credentials do not reach resources, token credentials are not exchanged', async () => {
      const { temp, verifier } = await approved();
      const resources = { oauth1: app.stores.oauth1, users: app.stores.users };
      expect(await refusal(verifyResourceRequest(signed(URL_RESOURCE, consumer, { token: temp }), ctx, resources))).to.deep.equal([401, 'token_rejected']);
      const creds = await exchange(temp, verifier);
      expect(await refusal(exchange({ key: creds.oauth_token, secret: creds.oauth_token_secret }, verifier))).to.deep.equal([401, 'token_rejected']);
    });
  });
});
