import { expect } from 'chai';
import { createHash, createPublicKey, createSign, generateKeyPairSync, generatePrimeSync, randomUUID } from 'node:crypto';
import { dpopKey, proof } from '../dpop/proofs.ts';
import { createTestApp, type TestServer } from '../../helpers.ts';
import { DocumentServer } from '../../document-server.ts';
import { actors, CLIENT_INPUT } from '../../graphql/gql-helpers.ts';
import { tokenRequest } from './assertions.ts';

const bigB64 = (n: bigint) => Buffer.from(n.toString(16).padStart(Math.ceil(n.toString(16).length / 2) * 2, '0'), 'hex').toString('base64url');
/** 3 × a 2047-bit prime, 997 × a 2040-bit one: moduli anyone factors (the private exponent follows from the public key). */
const THREE_P = 3n * generatePrimeSync(2047, { bigint: true });
const P997 = 997n * generatePrimeSync(2040, { bigint: true });
const rsaJwk = (bits: number) => ({ ...generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({ format: 'jwk' }), kid: `r${bits}`, alg: 'RS256', use: 'sig' });

/**
 * An RS256 "signature" made without any private key, for an RSA key whose exponent is 1: s^1 mod n = s, so the
 * EMSA-PKCS1-v1_5 encoding of the hash (RFC 8017 §9.2) is itself a valid signature. What a key rule must stop.
 */
function forgedRs256(claims: Record<string, unknown>, kid: string, modulusOctets: number): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${b64({ alg: 'RS256', kid })}.${b64(claims)}`;
  const digestInfo = Buffer.concat([Buffer.from('3031300d060960864801650304020105000420', 'hex'), createHash('sha256').update(input).digest()]);
  const em = Buffer.concat([Buffer.from([0, 1]), Buffer.alloc(modulusOctets - digestInfo.length - 3, 0xff), Buffer.from([0]), digestInfo]);
  return `${input}.${em.toString('base64url')}`;
}

// RFC 7518 §3.3 (RS*) and §3.5 (PS*): "A key of size 2048 bits or larger MUST be used"; RFC 8017 §3.1: an odd
// exponent of at least 3. A client key that breaks either is refused where it is registered (and where it is fetched).
describe('RFC 7518 §3.3 / RFC 8017 §3.1: client RSA keys too small or with a forgeable exponent are refused', () => {
  let srv: TestServer;
  let docs: DocumentServer;
  let a: Awaited<ReturnType<typeof actors>>;
  before(async () => {
    docs = await new DocumentServer().start();
    srv = await createTestApp({ registration: 'open', outboundAllowedHosts: ['127.0.0.1'] } as never);
    a = await actors(srv);
  });
  after(async () => { await srv.close(); docs.close(); });

  const register = async (jwks: unknown, extra: Record<string, unknown> = {}) => {
    const res = await fetch(`${srv.url}/o/register`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ client_name: 'rsa', grant_types: ['client_credentials'], response_types: [], token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'RS256', scope: 'read', ...(jwks === undefined ? {} : { jwks }), ...extra }) });
    return { status: res.status, body: await res.json() as Record<string, string> };
  };

  it('dynamic registration: a 1024-bit RSA key is invalid_client_metadata naming the rule; 2048 bits registers', async () => {
    const count = async () => Number((await srv.app.withContext(() => srv.app.orm.em.getConnection().execute('select count(*) as n from applications')) as { n: number | string }[])[0].n);
    const before = await count();
    const weak = await register({ keys: [rsaJwk(1024)] });
    expect(weak.status).to.equal(400);
    expect(weak.body.error).to.equal('invalid_client_metadata');
    expect(weak.body.error_description).to.contain('2048 bits').and.contain('RFC 7518 §3.3');
    // One weak key among good ones is refused as well: the set is what the client registers.
    expect((await register({ keys: [rsaJwk(2048), rsaJwk(1024)] })).status).to.equal(400);
    expect(await count()).to.equal(before);
    expect((await register({ keys: [rsaJwk(2048)] })).status).to.equal(201);
  });

  it('an exponent of 1, a modulus padded with junk, a misspelt kty or an EC point off its curve is refused at registration', async () => {
    const good = rsaJwk(2048);
    const small = rsaJwk(1024);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
    for (const [what, key] of [
      ['e = 1', { ...good, e: 'AQ' }],
      ['e = 0', { ...good, e: 'AA' }],
      ['a 1024-bit n with junk after it', { ...small, n: `${small.n} ${'A'.repeat(300)}` }],
      ['kty rsa', { ...good, kty: 'rsa' }],
      ['an EC point off the curve', { ...ec, y: ec.x }],
      ['oct without k', { kty: 'oct' }],
      ['a modulus with the factor 3', { kty: 'RSA', n: bigB64(THREE_P), e: 'AQAB' }],
      ['a modulus with the factor 997', { kty: 'RSA', n: bigB64(P997), e: 'AQAB' }],
      ['an exponent of 2^300 + 1', { ...good, e: bigB64(2n ** 300n + 1n) }],
      ['an X25519 key (no signatures)', generateKeyPairSync('x25519').publicKey.export({ format: 'jwk' })],
      ['a secp256k1 key (no algorithm here)', generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({ format: 'jwk' })],
      ['use enc', { ...good, use: 'enc' }],
      ['alg none', { ...good, alg: 'none' }],
    ] as const) {
      const r = await register({ keys: [key] });
      expect(r.status, what).to.equal(400);
      expect(r.body.error, what).to.equal('invalid_client_metadata');
    }
  });

  it('a jwks_uri serving an e = 1 key: a forged assertion (no private key) is invalid_client', async () => {
    const good = rsaJwk(2048);
    docs.routes.set('/e1.json', (res) => { res.writeHead(200, { 'Content-Type': 'application/json' }); res.end(JSON.stringify({ keys: [{ ...good, e: 'AQ', kid: 'e1' }] })); });
    const r = await register(undefined, { jwks_uri: `${docs.base}/e1.json` });
    expect(r.status).to.equal(201);
    const now = Math.floor(Date.now() / 1000);
    const id = r.body.client_id;
    const forged = forgedRs256({ iss: id, sub: id, aud: srv.app.config.issuer, iat: now, exp: now + 60, jti: randomUUID() }, 'e1', Buffer.from(good.n!, 'base64url').length);
    const res = await tokenRequest(srv, forged, { scope: 'read' });
    expect(res.status).to.equal(401);
    expect((await res.json() as Record<string, string>).error).to.equal('invalid_client');
  });

  it('an inline jwks stored before the rule with an e = 1 key verifies nothing: the forged assertion is invalid_client', async () => {
    const good = rsaJwk(2048);
    const r = await register({ keys: [{ ...good, kid: 'g' }] });
    expect(r.status).to.equal(201);
    const id = r.body.client_id;
    await srv.app.withContext(() => srv.app.orm.em.getConnection().execute('update applications set jwks = ? where client_id = ?', [JSON.stringify({ keys: [{ ...good, e: 'AQ', kid: 'e1' }] }), id]));
    const now = Math.floor(Date.now() / 1000);
    const forged = forgedRs256({ iss: id, sub: id, aud: srv.app.config.issuer, iat: now, exp: now + 60, jti: randomUUID() }, 'e1', Buffer.from(good.n!, 'base64url').length);
    const res = await tokenRequest(srv, forged, { scope: 'read' });
    expect(res.status).to.equal(401);
  });

  it('a request object signed with an e = 1 key of an inline jwks stored before the rule is invalid_request_object', async () => {
    const good = rsaJwk(2048);
    const r = await register({ keys: [{ ...good, kid: 'g' }] }, { grant_types: ['authorization_code'], response_types: ['code'], redirect_uris: ['https://rp.example/cb'] });
    expect(r.status).to.equal(201);
    const id = r.body.client_id;
    await srv.app.withContext(() => srv.app.orm.em.getConnection().execute('update applications set jwks = ? where client_id = ?', [JSON.stringify({ keys: [{ ...good, e: 'AQ', kid: 'e1' }] }), id]));
    const now = Math.floor(Date.now() / 1000);
    const request = forgedRs256({ iss: id, aud: srv.app.config.issuer, iat: now, exp: now + 60, client_id: id, response_type: 'code', redirect_uri: 'https://rp.example/cb', scope: 'read' }, 'e1', Buffer.from(good.n!, 'base64url').length);
    const res = await fetch(`${srv.url}/o/authorize/?${new URLSearchParams({ client_id: id, request })}`, { redirect: 'manual' });
    expect(res.status).to.equal(400);
    expect(await res.text()).to.contain('invalid_request_object');
  });

  it('RFC 9449 / RFC 7638: a DPoP proof whose jwk members are not strict base64url is invalid_dpop_proof (one key, one jkt)', async () => {
    const owner = await srv.app.seed.user({ username: 'dpop-b64' });
    const { client, clientSecret } = await srv.app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: [], allowedScopes: ['read'] });
    const key = await dpopKey('ES256');
    const htu = `${srv.url}/o/token/`;
    const ask = async (jwk: Record<string, unknown>) => fetch(htu, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', DPoP: await proof(key, { htu, jwk }), authorization: `Basic ${Buffer.from(`${client.clientId}:${clientSecret}`).toString('base64')}` }, body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'read' }) });
    expect((await ask(key.publicJwk as Record<string, unknown>)).status).to.equal(200);
    for (const x of [`${key.publicJwk.x}=`, `${key.publicJwk.x!.slice(0, 5)}.${key.publicJwk.x!.slice(5)}`]) {
      const res = await ask({ ...key.publicJwk, x });
      expect(res.status, x).to.equal(400);
      expect((await res.json() as Record<string, string>).error, x).to.equal('invalid_dpop_proof');
    }
  });

  it('GraphQL registerClient: the same refusal, BAD_USER_INPUT naming the size', async () => {
    const r = await a.user('mutation($input: ClientInput!) { registerClient(input: $input) { client { clientId } } }',
      { input: { ...CLIENT_INPUT, grantTypes: ['CLIENT_CREDENTIALS'], redirectUris: [], tokenEndpointAuthMethod: 'PRIVATE_KEY_JWT', jwks: JSON.stringify({ keys: [rsaJwk(1024)] }) } });
    expect(r.errors?.[0]?.extensions?.code).to.equal('BAD_USER_INPUT');
    expect(JSON.stringify(r.errors)).to.contain('2048 bits');
  });

  it('OAuth 1.0a RSA-SHA1 consumer keys: 1024 bits or e = 1 refused at registration; a weak key stored before is refused at use', async () => {
    const pem = (jwk: object) => createPublicKey({ key: jwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string;
    const strong = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const reg = (rsaPublicKey: string) => a.user('mutation($input: ClientInput!) { registerClient(input: $input) { client { clientId } } }',
      { input: { ...CLIENT_INPUT, clientType: 'PUBLIC', tokenEndpointAuthMethod: 'NONE', oauth1Enabled: true, rsaPublicKey } });
    for (const [what, key] of [['1024 bits', pem(rsaJwk(1024))], ['e = 1', pem({ ...strong.publicKey.export({ format: 'jwk' }), e: 'AQ' })],
      ['a modulus with a small factor (PKCS#1 PEM)', createPublicKey({ key: { kty: 'RSA', n: bigB64(THREE_P), e: 'AQAB' } as never, format: 'jwk' }).export({ type: 'pkcs1', format: 'pem' }) as string],
      ['a private key', strong.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string]] as const) {
      const r = await reg(key);
      expect(r.errors?.[0]?.extensions?.code, what).to.equal('BAD_USER_INPUT');
      expect(JSON.stringify(r.errors), what).to.match(/2048 bits|exponent|factor|prime|public key/);
      expect(JSON.stringify(r.data ?? null), what).not.to.contain('PRIVATE KEY');
    }
    // A consumer that registered a strong key, whose stored key is then a weak one (registered before this rule):
    // its RSA-SHA1 signatures no longer verify.
    const ok = await reg(strong.publicKey.export({ type: 'spki', format: 'pem' }) as string);
    const clientId = ok.data.registerClient.client.clientId as string;
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
    await srv.app.withContext(() => srv.app.orm.em.getConnection().execute('update applications set rsa_public_key = ? where client_id = ?', [weak.publicKey.export({ type: 'spki', format: 'pem' }), clientId]));
    const initiate = async (privateKey: typeof weak.privateKey) => {
      const url = `${srv.url}/oauth1/initiate`;
      const params: Record<string, string> = { oauth_callback: 'oob', oauth_consumer_key: clientId, oauth_nonce: randomUUID().replace(/-/g, ''), oauth_signature_method: 'RSA-SHA1', oauth_timestamp: String(Math.floor(Date.now() / 1000)), oauth_version: '1.0' };
      const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
      const base = ['POST', enc(url), enc(Object.keys(params).sort().map((k) => `${enc(k)}=${enc(params[k])}`).join('&'))].join('&');
      const signature = createSign('RSA-SHA1').update(base).sign(privateKey, 'base64');
      const header = `OAuth ${Object.entries({ ...params, oauth_signature: signature }).map(([k, v]) => `${k}="${enc(v)}"`).join(', ')}`;
      return fetch(url, { method: 'POST', headers: { authorization: header } });
    };
    expect((await initiate(weak.privateKey)).status).to.equal(401);
  });
});
