import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { postForm } from '../../oauth-helpers.ts';
import { POSTGRES_URL, REDIS_URL, testDatabase, type TestDatabase } from '../../database.ts';
import { gatehouseSync, spawnServer, stopServer, type ServerProcess } from '../../spawn-server.ts';
import { dpopKey, proof } from './proofs.ts';

/**
 * RFC 9449 §11.1 across instances: a proof's jti is spent once for every instance behind the load balancer, through
 * Redis when it is shared, else through the PostgreSQL table (dpop_proofs) the instances share. Server nonces are
 * required here, and stateless: every proof below carries a nonce A issued, and B accepts it.
 */
/** The one name both instances answer to, as behind a load balancer: a proof's htu names it, valid on either. */
const ISSUER = 'http://gatehouse.test';
const HTU = `${ISSUER}/o/token/`;

for (const withRedis of [true, false]) {
  describe(`RFC 9449 DPoP on two instances sharing PostgreSQL${withRedis ? ' and Redis' : ', no Redis'}`, function () {
    this.timeout(90_000);
    let db: TestDatabase;
    let a: ServerProcess | undefined;
    let b: ServerProcess | undefined;
    let auth: { id: string; secret: string };

    before(async function () {
      if (!POSTGRES_URL || (withRedis && !REDIS_URL)) this.skip();
      db = await testDatabase();
      const env = { ...process.env, ...db.env, NODE_ENV: 'development', PORT: '0', REDIS_URL: withRedis ? REDIS_URL : '', REDIS_PREFIX: `gh_dpop_${randomBytes(4).toString('hex')}:`, DPOP_REQUIRE_NONCE: 'true', ISSUER: ISSUER };
      gatehouseSync(['createuser', 'alice', '--password', 'alice-password-1'], env);
      const out = gatehouseSync(['createclient', '--name', 'Machine', '--owner', 'alice', '--grant-types', 'client_credentials', '--scopes', 'read', '--dpop-bound-access-tokens'], env);
      auth = { id: /client_id: (\S+)/.exec(out)![1], secret: /client_secret: (\S+)/.exec(out)![1] };
      [a, b] = await Promise.all([spawnServer(env), spawnServer(env)]);
    });
    after(async () => { await Promise.all([stopServer(a), stopServer(b)]); await db?.drop(); });

    /** §8: A's answer to a proof without a nonce is use_dpop_nonce and the nonce to use (on any instance). */
    async function nonceFromA(): Promise<string> {
      const res = await postForm(`${a!.url}/o/token/`, { grant_type: 'client_credentials' }, auth, { DPoP: await proof(await dpopKey(), { htu: HTU }) });
      expect((await res.json()).error).to.equal('use_dpop_nonce');
      return res.headers.get('dpop-nonce')!;
    }

    it('a proof spent on A is refused on B', async () => {
      const key = await dpopKey();
      const p = await proof(key, { htu: HTU, nonce: await nonceFromA() });
      const first = await postForm(`${a!.url}/o/token/`, { grant_type: 'client_credentials' }, auth, { DPoP: p });
      expect(first.status).to.equal(200);
      expect((await first.json()).token_type).to.equal('DPoP');
      const again = await postForm(`${b!.url}/o/token/`, { grant_type: 'client_credentials' }, auth, { DPoP: p });
      expect(again.status).to.equal(400);
      expect((await again.json()).error).to.equal('invalid_dpop_proof');
    });

    it('one proof presented to A and B at once, 50 times: exactly one succeeds', async () => {
      const p = await proof(await dpopKey(), { htu: HTU, nonce: await nonceFromA() });
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => postForm(`${(i % 2 ? a : b)!.url}/o/token/`, { grant_type: 'client_credentials' }, auth, { DPoP: p })));
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 200), statuses.join(' ')).to.have.length(1);
      expect(statuses.filter((s) => s === 400)).to.have.length(49);
    });

    it('the client created with createclient --dpop-bound-access-tokens gets nothing without a proof', async () => {
      const res = await postForm(`${b!.url}/o/token/`, { grant_type: 'client_credentials' }, auth);
      expect(res.status).to.equal(400);
      expect((await res.json()).error).to.equal('invalid_dpop_proof');
    });

    it('a token bound on A is used on B with the key, and refused on B as Bearer', async () => {
      const key = await dpopKey();
      const at = (await (await postForm(`${a!.url}/o/token/`, { grant_type: 'client_credentials' }, auth, { DPoP: await proof(key, { htu: HTU, nonce: await nonceFromA() }) })).json()).access_token;
      // The proof names the resource by the issuer's name (as a client that read the metadata does), sent to B.
      const hello = `${ISSUER}/api/hello`;
      const ok = await fetch(`${b!.url}/api/hello`, { headers: { Authorization: `DPoP ${at}`, DPoP: await proof(key, { htm: 'GET', htu: hello, accessToken: at, nonce: await nonceFromA() }) } });
      expect(ok.status, `${ok.headers.get('www-authenticate')}`).to.equal(200);
      const bearer = await fetch(`${b!.url}/api/hello`, { headers: { Authorization: `Bearer ${at}` } });
      expect(bearer.status).to.equal(401);
    });
  });
}
