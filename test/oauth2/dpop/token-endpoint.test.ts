import { expect } from 'chai';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { request } from 'node:http';
import { decodeJwt, type JWK } from 'jose';
import { clearExpired } from '../../../src/storage/maintenance.ts';
import { createTestApp, type TestServer } from '../../helpers.ts';
import { postForm } from '../../oauth-helpers.ts';
import { dpopKey, forgedProof, hmacProof, proof, unsignedProof, type DpopKey } from './proofs.ts';

const b64u = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('RFC 9449 DPoP at the token endpoint', () => {
  let srv: TestServer;
  let token: string;
  let cc: { id: string; secret: string };
  let key: DpopKey;
  before(async () => {
    srv = await createTestApp();
    token = `${srv.url}/o/token/`;
    const owner = await srv.app.seed.user({ username: 'owner', password: 'owner-password' });
    const { client, clientSecret } = await srv.app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: [], allowedScopes: ['read', 'write', 'introspection'] });
    cc = { id: client.clientId, secret: clientSecret! };
    key = await dpopKey();
  });
  after(() => srv.close());

  const rows = (sql: string, p: unknown[] = []) => srv.app.stores.sql.all<any>(sql, p);
  const withProof = (dpop: string, body: Record<string, string> = { grant_type: 'client_credentials' }) => postForm(token, body, cc, { DPoP: dpop });
  async function refused(res: Response, code = 'invalid_dpop_proof') {
    expect(res.status, await res.clone().text()).to.equal(400);
    expect((await res.json()).error).to.equal(code);
  }

  describe('§5 a valid proof binds the access token', () => {
    it('issues token_type DPoP, stores the key thumbprint, and introspection says cnf.jkt', async () => {
      const res = await withProof(await proof(key, { htu: token }));
      expect(res.status).to.equal(200);
      const body = await res.json();
      expect(body.token_type).to.equal('DPoP');
      const [row] = await rows('select dpop_jkt from access_tokens order by id desc limit 1');
      expect(row.dpop_jkt).to.equal(key.jkt);
      const seen = await (await postForm(`${srv.url}/o/introspect/`, { token: body.access_token }, cc)).json();
      expect(seen).to.include({ active: true, token_type: 'DPoP' });
      expect(seen.cnf).to.deep.equal({ jkt: key.jkt });
    });

    it('without a proof the token stays a bearer token, with no cnf', async () => {
      const body = await (await postForm(token, { grant_type: 'client_credentials' }, cc)).json();
      expect(body.token_type).to.equal('Bearer');
      const seen = await (await postForm(`${srv.url}/o/introspect/`, { token: body.access_token }, cc)).json();
      expect(seen).not.to.have.property('cnf');
    });

    it('ignores the query of htu and normalises case and default port (§4.3 check 9)', async () => {
      const u = new URL(token);
      const htu = `${u.protocol.toUpperCase()}//${u.host.toUpperCase()}${u.pathname}?x=1#f`;
      expect((await withProof(await proof(key, { htu }))).status).to.equal(200);
    });

    it('accepts every allowed algorithm, binding the RFC 7638 thumbprint jose computes', async () => {
      for (const alg of ['ES384', 'ES512', 'EdDSA', 'Ed25519', 'RS256', 'RS384', 'PS256', 'PS512']) {
        const k = await dpopKey(alg);
        const res = await withProof(await proof(k, { htu: token }));
        expect(res.status, alg).to.equal(200);
        expect((await res.json()).token_type).to.equal('DPoP');
        const [row] = await rows('select dpop_jkt from access_tokens order by id desc limit 1');
        expect(row.dpop_jkt, alg).to.equal(k.jkt);
      }
    });

    it('the password grant binds its access token too; a confidential client\'s refresh token stays unbound (§5)', async () => {
      const owner = await srv.app.seed.user({ username: 'pw-user', password: 'pw-user-password' });
      const { client, clientSecret } = await srv.app.seed.client({ owner, grantTypes: ['password'], redirectUris: [], allowedScopes: ['read'] });
      const res = await postForm(token, { grant_type: 'password', username: 'pw-user', password: 'pw-user-password', scope: 'read' }, { id: client.clientId, secret: clientSecret! }, { DPoP: await proof(key, { htu: token }) });
      const body = await res.json();
      expect(body.token_type, JSON.stringify(body)).to.equal('DPoP');
      const [access] = await rows('select dpop_jkt from access_tokens order by id desc limit 1');
      const [refresh] = await rows('select dpop_jkt from refresh_tokens order by id desc limit 1');
      expect(access.dpop_jkt).to.equal(key.jkt);
      expect(refresh.dpop_jkt).to.equal(null);
    });

    it('puts cnf.jkt in a JWT access token (RFC 9449 §6.1)', async () => {
      const owner = await srv.app.seed.user({ username: 'jwt-owner', password: 'owner-password' });
      const { client, clientSecret } = await srv.app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: [], allowedScopes: ['read'], accessTokenFormat: 'jwt' });
      const res = await postForm(token, { grant_type: 'client_credentials' }, { id: client.clientId, secret: clientSecret! }, { DPoP: await proof(key, { htu: token }) });
      const body = await res.json();
      expect(body.token_type).to.equal('DPoP');
      expect(decodeJwt(body.access_token).cnf).to.deep.equal({ jkt: key.jkt });
    });
  });

  describe('§4.3 proofs that must be refused with invalid_dpop_proof', () => {
    it('the same jti twice (§11.1 replay)', async () => {
      const p = await proof(key, { htu: token });
      expect((await withProof(p)).status).to.equal(200);
      await refused(await withProof(p));
    });

    it('50 presentations of one proof at once: exactly one succeeds', async () => {
      const p = await proof(key, { htu: token });
      const results = await Promise.all(Array.from({ length: 50 }, () => withProof(p)));
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 200)).to.have.length(1);
      expect(statuses.filter((s) => s === 400)).to.have.length(49);
      for (const r of results.filter((x) => x.status === 400)) expect((await r.json()).error).to.equal('invalid_dpop_proof');
    });

    it('a wrong htm', async () => { await refused(await withProof(await proof(key, { htu: token, htm: 'GET' }))); });
    it('a wrong htu (another path)', async () => { await refused(await withProof(await proof(key, { htu: `${srv.url}/o/introspect/` }))); });
    it('a wrong htu (another host)', async () => { await refused(await withProof(await proof(key, { htu: 'https://evil.example/o/token/' }))); });
    it('an htu naming the origin the request claims in its Origin header (not a name of this server)', async () => {
      const res = await postForm(token, { grant_type: 'client_credentials' }, cc, { DPoP: await proof(key, { htu: 'https://evil.example/o/token/' }), Origin: 'https://evil.example' });
      await refused(res);
    });
    it('an htu naming the server in the Host header (a proof made for another server, replayed here with its name)', async () => {
      const p = await proof(key, { htu: 'http://rs.example/o/token/' });
      const u = new URL(token);
      const status = await new Promise<number>((resolve, reject) => {
        const body = 'grant_type=client_credentials';
        const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { Host: 'rs.example', 'content-type': 'application/x-www-form-urlencoded', 'content-length': body.length, authorization: `Basic ${Buffer.from(`${cc.id}:${cc.secret}`).toString('base64')}`, DPoP: p } }, (res) => { res.resume(); resolve(res.statusCode!); });
        req.on('error', reject);
        req.end(body);
      });
      expect(status).to.equal(400);
    });
    it('a stale iat', async () => { await refused(await withProof(await proof(key, { htu: token, iat: Math.floor(Date.now() / 1000) - 600 }))); });
    it('an iat in the future', async () => { await refused(await withProof(await proof(key, { htu: token, iat: Math.floor(Date.now() / 1000) + 600 }))); });
    it('alg none', async () => { await refused(await withProof(unsignedProof(key, token))); });
    it('HS256 with a symmetric jwk', async () => { await refused(await withProof(hmacProof(token))); });
    it('a private key in the jwk header', async () => { await refused(await withProof(await proof(key, { htu: token, jwk: key.privateJwk }))); });
    it('a jwk that did not sign it', async () => {
      const other = await dpopKey();
      await refused(await withProof(await proof(key, { htu: token, jwk: other.publicJwk })));
    });
    it('an RSA jwk with a huge modulus or exponent is refused before any verification (cost before work)', async () => {
      const rsa = await dpopKey('RS256');
      const big = { ...rsa.publicJwk, n: 'A'.repeat(1400) };
      const t0 = performance.now();
      await refused(await withProof(await proof(rsa, { htu: token, jwk: big })));
      await refused(await withProof(await proof(rsa, { htu: token, jwk: { ...rsa.publicJwk, e: 'A'.repeat(600) } })));
      expect(performance.now() - t0).to.be.below(2000);
    });
    it('an alg that does not fit its jwk (ES384 or PS256 over a P-256 key, ES256 over an RSA or Ed25519 key), signed to pass otherwise', async () => {
      const rsa = await dpopKey('RS256'), ed = await dpopKey('EdDSA');
      await refused(await withProof(forgedProof(key, 'ES384', 'sha384', token)));
      await refused(await withProof(forgedProof(rsa, 'ES256', 'sha256', token)));
      await refused(await withProof(forgedProof(ed, 'ES256', null, token)));
      await refused(await withProof(forgedProof(rsa, 'PS256', 'sha256', token, key.publicJwk)));
    });
    it('an RSA key under 2048 bits (RFC 7518 §3.3)', async () => {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
      const small = { privateJwk: privateKey.export({ format: 'jwk' }) as JWK, publicJwk: publicKey.export({ format: 'jwk' }) as JWK };
      await refused(await withProof(forgedProof(small, 'RS256', 'sha256', token)));
    });
    it('an RSA key with exponent 1 (RFC 8017 §3.1), whose signature anyone can forge', async () => {
      const rsa = await dpopKey('RS256');
      const jwk = { kty: 'RSA', n: rsa.publicJwk.n!, e: 'AQ' };
      // With e = 1, s^e mod n = s: the EMSA-PKCS1-v1_5 encoding of the signing input is its own signature.
      const signing = `${b64u({ alg: 'RS256', typ: 'dpop+jwt', jwk })}.${b64u({ jti: 'e1', htm: 'POST', htu: token, iat: Math.floor(Date.now() / 1000) })}`;
      const k = Buffer.from(jwk.n, 'base64url').length;
      const digestInfo = Buffer.concat([Buffer.from('3031300d060960864801650304020105000420', 'hex'), createHash('sha256').update(signing).digest()]);
      const em = Buffer.concat([Buffer.from([0, 1]), Buffer.alloc(k - digestInfo.length - 3, 0xff), Buffer.from([0]), digestInfo]);
      await refused(await withProof(`${signing}.${em.toString('base64url')}`));
    });
    it('a crit header (RFC 7515 §4.1.11), and a payload that is not a JSON object', async () => {
      // The same forging, done right, passes: what follows is refused for its one flaw.
      expect((await withProof(forgedProof(key, 'ES256', 'sha256', token))).status).to.equal(200);
      await refused(await withProof(forgedProof(key, 'ES256', 'sha256', token, undefined, { crit: ['exp'] })));
      await refused(await withProof(forgedProof(key, 'ES256', 'sha256', token, undefined, {}, ['not', 'an', 'object'])));
    });
    it('a typ other than dpop+jwt (a media type: its case and an application/ prefix do not matter, RFC 7515 §4.1.9)', async () => {
      await refused(await withProof(await proof(key, { htu: token, typ: 'JWT' })));
      await refused(await withProof(await proof(key, { htu: token, typ: 'dpop+jwt2' })));
      expect((await withProof(await proof(key, { htu: token, typ: 'DPoP+JWT' }))).status).to.equal(200);
      expect((await withProof(await proof(key, { htu: token, typ: 'application/dpop+jwt' }))).status).to.equal(200);
    });
    it('a proof without jti', async () => { await refused(await withProof(await proof(key, { htu: token, omit: ['jti'] }))); });
    it('not a JWS at all, and two DPoP headers', async () => {
      await refused(await withProof('not-a-proof'));
      const p = await proof(key, { htu: token });
      const res = await fetch(token, { method: 'POST', headers: [['content-type', 'application/x-www-form-urlencoded'], ['authorization', `Basic ${Buffer.from(`${cc.id}:${cc.secret}`).toString('base64')}`], ['DPoP', p], ['DPoP', p]], body: 'grant_type=client_credentials' });
      await refused(res);
    });
    it('§11.1 without Redis the replay cache is a dpop_proofs row (jti hashed), expiring with the window; cleartokens deletes it', async function () {
      if (srv.app.config.redisUrl) this.skip();
      const jti = `jti-${Date.now()}`;
      expect((await withProof(await proof(key, { htu: token, jti }))).status).to.equal(200);
      const [row] = await rows('select * from dpop_proofs where jkt = ? order by id desc limit 1', [key.jkt]);
      expect(row.jti_hash).to.equal(createHash('sha256').update(jti).digest('hex'));
      expect(JSON.stringify(row)).not.to.include(jti);
      expect(Number(row.expires_at)).to.be.within(Date.now(), Date.now() + 62_000);
      const counts = await clearExpired(srv.app.orm, { now: Date.now() + 120_000 });
      expect(counts.dpop_proofs).to.be.at.least(1);
      expect(await rows('select * from dpop_proofs where id = ?', [row.id])).to.have.length(0);
    });

    it('a refused proof issues nothing', async () => {
      const before = (await rows('select count(*) as n from access_tokens'))[0].n;
      await refused(await withProof(await proof(key, { htu: token, htm: 'PUT' })));
      expect((await rows('select count(*) as n from access_tokens'))[0].n).to.equal(before);
    });
  });

  describe('§5.2 dpop_bound_access_tokens', () => {
    it('a client registered with it must send a proof', async () => {
      const owner = await srv.app.seed.user({ username: 'bound-owner', password: 'owner-password' });
      const { client, clientSecret } = await srv.app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: [], allowedScopes: ['read'], dpopBoundAccessTokens: true });
      const auth = { id: client.clientId, secret: clientSecret! };
      await refused(await postForm(token, { grant_type: 'client_credentials' }, auth));
      const ok = await postForm(token, { grant_type: 'client_credentials' }, auth, { DPoP: await proof(key, { htu: token }) });
      expect((await ok.json()).token_type).to.equal('DPoP');
    });
  });

  describe('discovery', () => {
    it('lists dpop_signing_alg_values_supported, asymmetric only', async () => {
      for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
        const doc = await (await fetch(`${srv.url}${path}`)).json();
        expect(doc.dpop_signing_alg_values_supported).to.include.members(['ES256', 'EdDSA', 'RS256', 'PS256']);
        expect(doc.dpop_signing_alg_values_supported.some((a: string) => a === 'none' || a.startsWith('HS'))).to.equal(false);
      }
    });
  });
});

describe('RFC 9449 §8 server nonces at the token endpoint (DPOP_REQUIRE_NONCE)', () => {
  let srv: TestServer;
  let token: string;
  let cc: { id: string; secret: string };
  before(async () => {
    srv = await createTestApp({ dpop: { requireNonce: true } });
    token = `${srv.url}/o/token/`;
    const owner = await srv.app.seed.user({ username: 'owner', password: 'owner-password' });
    const { client, clientSecret } = await srv.app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: [], allowedScopes: ['read'] });
    cc = { id: client.clientId, secret: clientSecret! };
  });
  after(() => srv.close());

  it('answers use_dpop_nonce with a DPoP-Nonce header, then accepts a proof carrying it', async () => {
    const key = await dpopKey();
    const first = await postForm(token, { grant_type: 'client_credentials' }, cc, { DPoP: await proof(key, { htu: token }) });
    expect(first.status).to.equal(400);
    expect((await first.json()).error).to.equal('use_dpop_nonce');
    const nonce = first.headers.get('dpop-nonce');
    expect(nonce).to.be.a('string').and.not.equal('');
    const second = await postForm(token, { grant_type: 'client_credentials' }, cc, { DPoP: await proof(key, { htu: token, nonce: nonce! }) });
    expect(second.status).to.equal(200);
    expect((await second.json()).token_type).to.equal('DPoP');
  });

  it('refuses a nonce it did not issue', async () => {
    const key = await dpopKey();
    const res = await postForm(token, { grant_type: 'client_credentials' }, cc, { DPoP: await proof(key, { htu: token, nonce: 'bogus.nonce' }) });
    expect(res.status).to.equal(400);
    expect((await res.json()).error).to.equal('use_dpop_nonce');
    expect(res.headers.get('dpop-nonce')).to.be.a('string');
  });
});
