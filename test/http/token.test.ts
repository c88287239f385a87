import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { createTestApp, type TestServer } from '../helpers.ts';
import { codeFlowSetup, getCode, postForm } from '../oauth-helpers.ts';
import { hashToken } from '../../src/oauth2/tokens.ts';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
/** The stored lookup key of a token Gatehouse issues: its 9-character time prefix, then 220 bits of its SHA-256. */
const storedKey = (token: string) => token.slice(0, 9) + sha256(token).slice(0, 55);

describe('RFC 6749 §3.2 token endpoint', () => {
  let srv: TestServer;
  let token: string;
  let cc: { id: string; secret: string };
  beforeEach(async () => {
    srv = await createTestApp();
    token = `${srv.url}/o/token/`;
    const owner = await srv.app.seed.user({ username: 'owner', password: 'owner-password' });
    const { client, clientSecret } = await srv.app.seed.client({ owner, grantTypes: ['client_credentials', 'password'], redirectUris: [], allowedScopes: ['read', 'write'] });
    cc = { id: client.clientId, secret: clientSecret! };
  });
  afterEach(() => srv.close());

  const rows = (sql: string, p: unknown[] = []) => srv.app.stores.sql.all<any>(sql, p);

  describe('RFC 6749 §4.4 client credentials', () => {
    it('issues a bearer token with client_secret_basic, no-store headers, and stores only its hash', async () => {
      const res = await postForm(token, { grant_type: 'client_credentials' }, cc);
      expect(res.status).to.equal(200);
      expect(res.headers.get('cache-control')).to.equal('no-store');
      expect(res.headers.get('pragma')).to.equal('no-cache');
      const body = await res.json();
      expect(body.token_type).to.equal('Bearer');
      expect(body.expires_in).to.equal(3600);
      expect(body.scope).to.equal('read');
      expect(body).not.to.have.property('refresh_token');
      const stored = await rows('select * from access_tokens');
      expect(stored).to.have.length(1);
      expect(stored[0].token_hash).to.equal(storedKey(body.access_token));
      expect(stored[0].token_hash).not.to.include(body.access_token.slice(9, 20));
      expect(JSON.stringify(stored)).not.to.include(body.access_token);
    });

    it('accepts client_secret_post and honours a requested scope within the allowed ones', async () => {
      const res = await postForm(token, { grant_type: 'client_credentials', client_id: cc.id, client_secret: cc.secret, scope: 'read write' });
      expect(res.status).to.equal(200);
      expect((await res.json()).scope).to.equal('read write');
    });

    it('answers a wrong secret with 401 invalid_client, WWW-Authenticate, and an audit event', async () => {
      const res = await postForm(token, { grant_type: 'client_credentials' }, { id: cc.id, secret: 'wrong' });
      expect(res.status).to.equal(401);
      expect(res.headers.get('www-authenticate')).to.match(/^Basic realm=/);
      expect(res.headers.get('cache-control')).to.equal('no-store');
      expect((await res.json()).error).to.equal('invalid_client');
      expect(await rows("select * from events where type = 'client.auth_failed'")).to.have.length(1);
    });

    it('answers an unknown client with 401 invalid_client', async () => {
      const res = await postForm(token, { grant_type: 'client_credentials' }, { id: 'nope', secret: 'x' });
      expect(res.status).to.equal(401);
      expect((await res.json()).error).to.equal('invalid_client');
    });

    it('audits an unknown client_id longer than any client\'s by the first 255 characters (events.client_id\'s width)', async () => {
      const presented = 'z'.repeat(256) + 'tail';
      const res = await postForm(token, { grant_type: 'client_credentials' }, { id: presented, secret: 'x' });
      expect(res.status).to.equal(401);
      expect((await rows("select client_id from events where type = 'client.auth_failed'")).map((r) => r.client_id)).to.deep.equal(['z'.repeat(255)]);
    });

    it('rejects two authentication methods at once (RFC 6749 §2.3)', async () => {
      const res = await postForm(token, { grant_type: 'client_credentials', client_secret: cc.secret }, cc);
      expect(res.status).to.equal(400);
      expect((await res.json()).error).to.equal('invalid_request');
    });

    it('rejects a repeated parameter (RFC 6749 §3.1)', async () => {
      const res = await fetch(token, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Basic ' + Buffer.from(`${cc.id}:${cc.secret}`).toString('base64') }, body: 'grant_type=client_credentials&scope=read&scope=write' });
      expect(res.status).to.equal(400);
      expect((await res.json()).error).to.equal('invalid_request');
    });

    it('rejects a JSON body (RFC 6749 §3.2 requires form encoding)', async () => {
      const res = await fetch(token, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_type: 'client_credentials', client_id: cc.id, client_secret: cc.secret }) });
      expect(res.status).to.equal(400);
      expect((await res.json()).error).to.equal('invalid_request');
    });

    it('answers missing grant_type with invalid_request and an unknown one with unsupported_grant_type', async () => {
      const a = await postForm(token, {}, cc);
      expect([a.status, (await a.json()).error]).to.deep.equal([400, 'invalid_request']);
      const b = await postForm(token, { grant_type: 'urn:example:magic' }, cc);
      expect([b.status, (await b.json()).error]).to.deep.equal([400, 'unsupported_grant_type']);
    });

    it('refuses a grant the client is not registered for with unauthorized_client', async () => {
      const res = await postForm(token, { grant_type: 'authorization_code', code: 'x' }, cc);
      expect(res.status).to.equal(400);
      expect((await res.json()).error).to.equal('unauthorized_client');
    });

    it('refuses scope escalation with invalid_scope', async () => {
      const res = await postForm(token, { grant_type: 'client_credentials', scope: 'read admin' }, cc);
      expect(res.status).to.equal(400);
      expect((await res.json()).error).to.equal('invalid_scope');
    });

    it('a scope of more scopes than any client holds is invalid_scope before anything else, even from a public client with a made-up refresh token (attacker read 13A, F1: 24,000 scopes held the loop ~0.8 s)', async () => {
      const owner = await srv.app.seed.user({ username: 'pub-scopes' });
      const { client } = await srv.app.seed.client({ owner, clientType: 'public', grantTypes: ['authorization_code'], redirectUris: ['http://127.0.0.1:9/cb'] });
      const many = Array.from({ length: 101 }, (_, i) => `s${i}`).join(' ');
      const res = await postForm(token, { grant_type: 'refresh_token', refresh_token: 'made-up', client_id: client.clientId, scope: many });
      expect(res.status).to.equal(400);
      const body = await res.json();
      expect(body.error).to.equal('invalid_scope');
      expect(body.error_description).to.include('100');
      // A hundred is still a scope: the grant then judges the refresh token.
      const hundred = await postForm(token, { grant_type: 'refresh_token', refresh_token: 'made-up', client_id: client.clientId, scope: many.split(' ').slice(0, 100).join(' ') });
      expect((await hundred.json()).error).to.equal('invalid_grant');
    });

    it('refuses client credentials to a public client', async () => {
      const owner = await srv.app.seed.user({ username: 'pub' });
      const { client } = await srv.app.seed.client({ owner, clientType: 'public', grantTypes: ['authorization_code'], redirectUris: ['http://127.0.0.1:9/cb'] });
      const res = await postForm(token, { grant_type: 'client_credentials', client_id: client.clientId });
      expect(res.status).to.equal(400);
      expect((await res.json()).error).to.equal('unauthorized_client');
    });
  });

  describe('RFC 6749 §4.3 resource owner password credentials', () => {
    it('issues an access and a refresh token for valid credentials, recording a grant', async () => {
      const res = await postForm(token, { grant_type: 'password', username: 'owner', password: 'owner-password', scope: 'read' }, cc);
      expect(res.status).to.equal(200);
      const body = await res.json();
      expect(body.refresh_token).to.be.a('string');
      expect(await rows('select * from grants')).to.have.length(1);
    });

    it('answers wrong user credentials with invalid_grant', async () => {
      const res = await postForm(token, { grant_type: 'password', username: 'owner', password: 'nope' }, cc);
      expect(res.status).to.equal(400);
      expect((await res.json()).error).to.equal('invalid_grant');
    });

    it('counts wrong passwords with the login page: past the limit, 429 with Retry-After, even for the right one', async () => {
      for (let i = 0; i < 5; i++) expect((await postForm(token, { grant_type: 'password', username: 'owner', password: `guess-${i}` }, cc)).status).to.equal(400);
      const blocked = await postForm(token, { grant_type: 'password', username: 'owner', password: 'owner-password' }, cc);
      expect(blocked.status).to.equal(429);
      expect(Number(blocked.headers.get('retry-after'))).to.be.greaterThan(0);
      expect((await blocked.json()).error).to.equal('invalid_grant');
      const { Browser } = await import('../helpers.ts');
      expect((await new Browser(srv.url).login('owner', 'owner-password')).status).to.equal(429);
    });

    it('refuses clients not registered for the password grant', async () => {
      const s = await codeFlowSetup(srv);
      const res = await postForm(token, { grant_type: 'password', username: 'owner', password: 'owner-password' }, s.auth);
      expect((await res.json()).error).to.equal('unauthorized_client');
    });
  });

  describe('RFC 6749 §4.1.3 authorization code', () => {
    it('exchanges a code (with PKCE) for tokens once; a second use fails and revokes what the first issued (§4.1.2)', async () => {
      const s = await codeFlowSetup(srv);
      const { code, verifier, location } = await getCode(s);
      expect(location.searchParams.get('state')).to.equal('xyz');
      expect(location.searchParams.get('iss')).to.equal(srv.app.config.issuer);
      const params = { grant_type: 'authorization_code', code, redirect_uri: 'https://client.example.com/cb', code_verifier: verifier };
      const first = await postForm(token, params, s.auth);
      expect(first.status).to.equal(200);
      const body = await first.json();
      expect(body.scope).to.equal('read');
      expect(body.refresh_token).to.be.a('string');
      const second = await postForm(token, params, s.auth);
      expect(second.status).to.equal(400);
      expect((await second.json()).error).to.equal('invalid_grant');
      const revoked = await rows('select revoked_at from access_tokens where token_hash = ?', [storedKey(body.access_token)]);
      expect(revoked[0].revoked_at).to.be.a('number');
      const rt = await rows('select revoked_at from refresh_tokens where token_hash = ?', [storedKey(body.refresh_token)]);
      expect(rt[0].revoked_at).to.be.a('number');
      expect(await rows("select * from events where type = 'token.reuse_detected'")).to.have.length(1);
    });

    it('refuses a mismatched redirect_uri, a wrong verifier and a missing verifier with invalid_grant, leaving the code usable', async () => {
      const s = await codeFlowSetup(srv);
      const { code, verifier } = await getCode(s);
      const base = { grant_type: 'authorization_code', code, redirect_uri: 'https://client.example.com/cb' };
      for (const bad of [{ ...base, redirect_uri: 'https://client.example.com/cb/', code_verifier: verifier }, { ...base, code_verifier: 'x'.repeat(43) }, base]) {
        const res = await postForm(token, bad, s.auth);
        expect(res.status).to.equal(400);
        expect((await res.json()).error).to.equal('invalid_grant');
      }
      expect((await postForm(token, { ...base, code_verifier: verifier }, s.auth)).status).to.equal(200);
    });

    it("refuses another client's code", async () => {
      const s = await codeFlowSetup(srv);
      const { code, verifier } = await getCode(s);
      const res = await postForm(token, { grant_type: 'authorization_code', code, redirect_uri: 'https://client.example.com/cb', code_verifier: verifier }, { id: cc.id, secret: cc.secret });
      expect((await res.json()).error).to.be.oneOf(['invalid_grant', 'unauthorized_client']);
    });

    it('another client\'s code or refresh token is answered as a made-up one: no word that it is real, and its owner still redeems it (attacker read 13A, L2)', async () => {
      const a = await codeFlowSetup(srv);
      const b = await codeFlowSetup(srv);
      const { code, verifier } = await getCode(a);
      const redeem = (c: string, auth: { id: string; secret: string }) => postForm(token, { grant_type: 'authorization_code', code: c, redirect_uri: 'https://client.example.com/cb', code_verifier: verifier }, auth);
      const stolen = await (await redeem(code, b.auth)).json();
      const madeUp = await (await redeem('made-up-code', b.auth)).json();
      expect(stolen).to.deep.equal(madeUp);
      // Nor in the refusal kept on the thief's own client (its application page shows the reason).
      const reasons = await srv.app.stores.sql.all<{ detail: string }>("select detail from events where type = 'client.request_refused' and client_id = ? order by id", [b.client.clientId]);
      expect(reasons.map((r) => JSON.parse(r.detail).reason)).to.deep.equal(['code_invalid', 'code_invalid']);
      const tokens = await (await redeem(code, a.auth)).json();
      expect(tokens.refresh_token).to.be.a('string');
      const refresh = (t: string, auth: { id: string; secret: string }) => postForm(token, { grant_type: 'refresh_token', refresh_token: t }, auth);
      expect(await (await refresh(tokens.refresh_token, b.auth)).json()).to.deep.equal(await (await refresh('made-up-refresh', b.auth)).json());
      expect((await refresh(tokens.refresh_token, a.auth)).status).to.equal(200);
    });

    it('refuses an expired code', async () => {
      await srv.close();
      srv = await createTestApp({ tokens: { authorizationCodeTtl: 1 } });
      token = `${srv.url}/o/token/`;
      const s = await codeFlowSetup(srv);
      const { code, verifier } = await getCode(s);
      await new Promise((r) => setTimeout(r, 1100));
      const res = await postForm(token, { grant_type: 'authorization_code', code, redirect_uri: 'https://client.example.com/cb', code_verifier: verifier }, s.auth);
      expect((await res.json()).error).to.equal('invalid_grant');
    });

    it('lets a public client exchange with PKCE and no secret', async () => {
      const s = await codeFlowSetup(srv, { clientType: 'public' });
      const { code, verifier } = await getCode(s);
      const res = await postForm(token, { grant_type: 'authorization_code', code, redirect_uri: 'https://client.example.com/cb', code_verifier: verifier, client_id: s.client.clientId });
      expect(res.status).to.equal(200);
    });

    it('gives exactly one token to 50 concurrent exchanges of one code, and revokes it (§4.1.2)', async () => {
      const s = await codeFlowSetup(srv);
      const { code, verifier } = await getCode(s);
      const params = { grant_type: 'authorization_code', code, redirect_uri: 'https://client.example.com/cb', code_verifier: verifier };
      const results = await Promise.all(Array.from({ length: 50 }, () => postForm(token, params, s.auth)));
      expect(results.filter((r) => r.status === 200)).to.have.length(1);
      const refused = results.filter((r) => r.status === 400);
      expect(refused).to.have.length(49);
      for (const r of refused) expect((await r.json()).error).to.equal('invalid_grant');
      const winner = await results.find((r) => r.status === 200)!.json();
      const [issued] = await rows('select revoked_at from access_tokens where token_hash = ?', [storedKey(winner.access_token)]);
      expect(issued.revoked_at, 'the token the code bought is revoked once the code is replayed').to.be.a('number');
      const live = await rows('select count(*) as n from access_tokens where revoked_at is null');
      expect(Number(live[0].n)).to.equal(0);
    });
  });

  describe('RFC 6749 §6 refresh with rotation', () => {
    async function tokens() {
      const s = await codeFlowSetup(srv);
      const { code, verifier } = await getCode(s, { scope: 'read write' });
      const body = await (await postForm(token, { grant_type: 'authorization_code', code, redirect_uri: 'https://client.example.com/cb', code_verifier: verifier }, s.auth)).json();
      return { s, body };
    }

    it('rotates: a new pair, the old refresh token spent; reusing it revokes the whole family', async () => {
      const { s, body } = await tokens();
      const r1 = await postForm(token, { grant_type: 'refresh_token', refresh_token: body.refresh_token }, s.auth);
      expect(r1.status).to.equal(200);
      const b1 = await r1.json();
      expect(b1.refresh_token).to.be.a('string').and.not.equal(body.refresh_token);
      const reuse = await postForm(token, { grant_type: 'refresh_token', refresh_token: body.refresh_token }, s.auth);
      expect(reuse.status).to.equal(400);
      expect((await reuse.json()).error).to.equal('invalid_grant');
      const live = await rows('select count(*) as n from access_tokens where revoked_at is null');
      expect(Number(live[0].n)).to.equal(0);
      const r2 = await postForm(token, { grant_type: 'refresh_token', refresh_token: b1.refresh_token }, s.auth);
      expect((await r2.json()).error).to.equal('invalid_grant');
    });

    it('ends only the family at fault: two sign-ins of one user to one client share a grant, not a family', async () => {
      // Two devices: two code flows under the same grant, each its own family (revocation finds a family through
      // its grant's index, then its family id).
      const s = await codeFlowSetup(srv);
      const exchange = async () => {
        const { code, verifier } = await getCode(s, { scope: 'read' });
        return (await postForm(token, { grant_type: 'authorization_code', code, redirect_uri: 'https://client.example.com/cb', code_verifier: verifier }, s.auth)).json();
      };
      const [a, b] = [await exchange(), await exchange()];
      const grants = await rows('select distinct grant_id from refresh_tokens where token_hash in (?, ?)', [hashToken(a.refresh_token), hashToken(b.refresh_token)]);
      expect(grants).to.have.length(1);
      const live = async (t: string) => (await (await postForm(`${srv.url}/o/introspect/`, { token: t }, s.auth)).json()).active;
      // Device A's refresh token is replayed after rotation: A's family ends, B's goes on.
      const a1 = await (await postForm(token, { grant_type: 'refresh_token', refresh_token: a.refresh_token }, s.auth)).json();
      expect((await postForm(token, { grant_type: 'refresh_token', refresh_token: a.refresh_token }, s.auth)).status).to.equal(400);
      expect([await live(a.access_token), await live(a1.access_token), await live(a1.refresh_token)]).to.deep.equal([false, false, false]);
      expect([await live(b.access_token), await live(b.refresh_token)]).to.deep.equal([true, true]);
      // RFC 7009 §2.1: revoking B's refresh token ends B's access token too; a third sign-in is untouched.
      const c = await exchange();
      expect((await postForm(`${srv.url}/o/revoke_token/`, { token: b.refresh_token }, s.auth)).status).to.equal(200);
      expect([await live(b.access_token), await live(b.refresh_token)]).to.deep.equal([false, false]);
      expect([await live(c.access_token), await live(c.refresh_token)]).to.deep.equal([true, true]);
      const [n] = await rows('select count(*) as n from access_tokens where revoked_at is null and token_hash = ?', [hashToken(c.access_token)]);
      expect(Number(n.n)).to.equal(1);
    });

    it('may narrow the scope but never widen it', async () => {
      const { s, body } = await tokens();
      const narrow = await postForm(token, { grant_type: 'refresh_token', refresh_token: body.refresh_token, scope: 'read' }, s.auth);
      const nb = await narrow.json();
      expect(nb.scope).to.equal('read');
      const wide = await postForm(token, { grant_type: 'refresh_token', refresh_token: nb.refresh_token, scope: 'read write introspection' }, s.auth);
      expect((await wide.json()).error).to.equal('invalid_scope');
    });

    it('gives one new pair to 50 concurrent uses of one refresh token and revokes the family', async () => {
      const { s, body } = await tokens();
      const results = await Promise.all(Array.from({ length: 50 }, () => postForm(token, { grant_type: 'refresh_token', refresh_token: body.refresh_token }, s.auth)));
      expect(results.filter((r) => r.status === 200)).to.have.length(1);
      for (const r of results.filter((x) => x.status !== 200)) expect([r.status, (await r.json()).error]).to.deep.equal([400, 'invalid_grant']);
      const live = await rows('select count(*) as n from refresh_tokens where revoked_at is null');
      expect(Number(live[0].n)).to.equal(0);
    });
  });
});
