import { expect } from 'chai';
import { createServer as createNetServer, type Socket } from 'node:net';
import { exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { createTestApp, type TestServer } from '../../helpers.ts';
import { DocumentServer } from '../../document-server.ts';
import { assertion, tokenRequest } from './assertions.ts';
import { ClientKeys, ClientKeysUnavailable, DEFAULT_KEY_LIMITS } from '../../../src/oauth2/client-assertion/client-keys.ts';
import { OutboundFailure } from '../../../src/oidc/outbound.ts';

// RFC 7591 §2 jwks_uri for private_key_jwt: fetched through the outbound guard of src/oidc/outbound.ts (the one
// client ID metadata documents use), cached, read again once on an unknown kid (rate-limited).
describe('RFC 7523 private_key_jwt with a jwks_uri', () => {
  let srv: TestServer;
  let open: TestServer;
  let docs: DocumentServer;
  let key: CryptoKey;
  let pub: JWK;
  before(async () => {
    docs = await new DocumentServer().start();
    // The document server listens on 127.0.0.1: allowed for `open`, refused (as any loopback target) for `srv`.
    srv = await createTestApp();
    open = await createTestApp({ outboundAllowedHosts: ['127.0.0.1'] });
    const pair = await generateKeyPair('ES256', { extractable: true });
    key = pair.privateKey;
    pub = { ...await exportJWK(pair.publicKey), kid: 'k1' };
  });
  after(async () => { await srv.close(); await open.close(); docs.close(); });

  const serveJson = (path: string, body: unknown) => docs.routes.set(path, (res) => { res.writeHead(200, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(body)); });
  async function clientOf(t: TestServer, jwksUri: string) {
    const owner = await t.app.seed.user({ username: `j${Math.random().toString(36).slice(2, 8)}` });
    return (await t.app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: [], allowedScopes: ['read'], tokenEndpointAuthMethod: 'private_key_jwt', jwksUri })).client;
  }
  const refused = async (res: Response) => {
    expect(res.status).to.equal(401);
    expect(await res.json()).to.deep.equal({ error: 'invalid_client', error_description: 'Client authentication failed.' });
  };

  it('keys from the jwks_uri verify the assertion; the set is cached (one fetch for several requests)', async () => {
    serveJson('/ok.json', { keys: [pub] });
    const c = await clientOf(open, `${docs.base}/ok.json`);
    for (let i = 0; i < 3; i++) expect((await tokenRequest(open, await assertion(open, c.clientId, { key, kid: 'k1' }))).status).to.equal(200);
    expect(docs.hitsOf('/ok.json')).to.equal(1);
  });

  it('a rotated key: an unknown kid reads the set again once; a stream of made-up kids costs no more fetches', async () => {
    serveJson('/rotate.json', { keys: [pub] });
    const c = await clientOf(open, `${docs.base}/rotate.json`);
    expect((await tokenRequest(open, await assertion(open, c.clientId, { key, kid: 'k1' }))).status).to.equal(200);
    const next = await generateKeyPair('ES256', { extractable: true });
    serveJson('/rotate.json', { keys: [pub, { ...await exportJWK(next.publicKey), kid: 'k2' }] });
    // Within the refetch interval the set is not read again: k2 is unknown until then.
    await refused(await tokenRequest(open, await assertion(open, c.clientId, { key: next.privateKey, kid: 'k2' })));
    expect(docs.hitsOf('/rotate.json')).to.equal(1);
    for (const kid of ['x1', 'x2', 'x3']) await refused(await tokenRequest(open, await assertion(open, c.clientId, { key, kid })));
    expect(docs.hitsOf('/rotate.json')).to.equal(1);
  });

  it('SSRF: a jwks_uri on 127.0.0.1 (not allow-listed) is never fetched: invalid_client', async () => {
    serveJson('/loop.json', { keys: [pub] });
    const c = await clientOf(srv, `${docs.base}/loop.json`);
    await refused(await tokenRequest(srv, await assertion(srv, c.clientId, { key, kid: 'k1' })));
    expect(docs.hitsOf('/loop.json')).to.equal(0);
  });

  it('SSRF: 169.254.169.254 (cloud metadata) is refused before any connection, quickly', async () => {
    const c = await clientOf(srv, 'http://169.254.169.254/latest/meta-data/jwks');
    const started = Date.now();
    await refused(await tokenRequest(srv, await assertion(srv, c.clientId, { key, kid: 'k1' })));
    expect(Date.now() - started).to.be.below(2000);
  });

  it('SSRF: a redirect (here to localhost) is not followed', async () => {
    serveJson('/target.json', { keys: [pub] });
    docs.routes.set('/redirect.json', (res) => { res.writeHead(302, { Location: `${docs.base.replace('127.0.0.1', 'localhost')}/target.json` }); res.end(); });
    const c = await clientOf(open, `${docs.base}/redirect.json`);
    await refused(await tokenRequest(open, await assertion(open, c.clientId, { key, kid: 'k1' })));
    expect(docs.hitsOf('/target.json')).to.equal(0);
  });

  it('a huge body is cut off at the size cap: invalid_client', async () => {
    docs.routes.set('/huge.json', (res) => { res.writeHead(200, { 'Content-Type': 'application/json' }); res.end(JSON.stringify({ keys: [pub], pad: 'x'.repeat(2 * 1024 * 1024) })); });
    const c = await clientOf(open, `${docs.base}/huge.json`);
    await refused(await tokenRequest(open, await assertion(open, c.clientId, { key, kid: 'k1' })));
  });

  it('a slow server is given up on (5 s): invalid_client, not a hang', async function () {
    this.timeout(15_000);
    docs.routes.set('/slow.json', (res) => { setTimeout(() => { if (!res.destroyed) { res.writeHead(200, { 'Content-Type': 'application/json' }); res.end(JSON.stringify({ keys: [pub] })); } }, 8000); });
    const c = await clientOf(open, `${docs.base}/slow.json`);
    const started = Date.now();
    await refused(await tokenRequest(open, await assertion(open, c.clientId, { key, kid: 'k1' })));
    expect(Date.now() - started).to.be.within(4000, 7500);
  });

  it('a host\'s share of fetches is per port: strangers\' jwks_uris on another port of the same name that never answers do not keep a client from fetching its own keys (attacker read 24, F1/F2)', async function () {
    this.timeout(20_000);
    const held: Socket[] = [];
    const hang = createNetServer((socket) => { held.push(socket); });
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    try {
      const hangPort = (hang.address() as { port: number }).port;
      const strangers = await Promise.all(Array.from({ length: 10 }, (_, i) => clientOf(open, `http://127.0.0.1:${hangPort}/hang?i=${i}`)));
      const flood = strangers.map(async (c) => tokenRequest(open, await assertion(open, c.clientId, { key, kid: 'k1' })));
      await new Promise((r) => setTimeout(r, 500));
      expect(held.length, 'the strangers\' fetches are hanging').to.be.at.least(8);
      serveJson('/own-port.json', { keys: [pub] });
      const victim = await clientOf(open, `${docs.base}/own-port.json`);
      const res = await tokenRequest(open, await assertion(open, victim.clientId, { key, kid: 'k1' }));
      expect(res.status, await res.clone().text()).to.equal(200);
      for (const sock of held) sock.destroy();
      await Promise.all(flood);
    } finally { for (const sock of held) sock.destroy(); hang.close(); }
  });

  it('a set holding a private key, or no keys, is not used', async () => {
    serveJson('/private.json', { keys: [{ ...pub, d: 'AAAA' }] });
    serveJson('/empty.json', { keys: [] });
    for (const path of ['/private.json', '/empty.json']) {
      const c = await clientOf(open, `${docs.base}${path}`);
      await refused(await tokenRequest(open, await assertion(open, c.clientId, { key, kid: 'k1' })));
    }
  });
});

// Attacker read 23, F2: strangers' clients with jwks_uris on the same host (another port that hangs) held the host's
// outbound slots, and a client whose cached set had just expired could not authenticate while the flood lasted.
describe('jwks_uri: a set past its cache lifetime still serves while our own bound refuses the fetch', () => {
  const SET = { keys: [{ kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0', kid: 'k1' }] };
  const client = { jwks: null, jwksUri: 'https://rp.example/jwks' };

  it('busy (OUTBOUND_PER_HOST): the last good set; any other failure: unavailable, as before', async () => {
    let now = 0;
    let answer: () => Promise<unknown> = async () => SET;
    const keys = new ClientKeys(() => answer(), { ...DEFAULT_KEY_LIMITS }, () => now);
    expect((await keys.of(client))!.keys).to.have.length(1);
    now += DEFAULT_KEY_LIMITS.ttlMs + 1;
    answer = async () => { throw new OutboundFailure('busy'); };
    expect((await keys.of(client))!.keys[0].kid, 'stale, while the host is busy').to.equal('k1');
    answer = async () => { throw new OutboundFailure('timeout'); };
    let error: unknown;
    try { await keys.of(client); } catch (e) { error = e; }
    expect(error).to.be.instanceOf(ClientKeysUnavailable);
  });

  it('the last good set serves a busy host for one more cache lifetime at most: a key the client removed does not live on for as long as strangers keep the host busy (attacker read 24, F1)', async () => {
    let now = 0;
    let answer: () => Promise<unknown> = async () => SET;
    const keys = new ClientKeys(() => answer(), { ...DEFAULT_KEY_LIMITS }, () => now);
    await keys.of(client);
    answer = async () => { throw new OutboundFailure('busy'); };
    now += 2 * DEFAULT_KEY_LIMITS.ttlMs - 1;
    expect((await keys.of(client))!.keys[0].kid, 'within a second lifetime').to.equal('k1');
    now += 2;
    let error: unknown;
    try { await keys.of(client); } catch (e) { error = e; }
    expect(error, 'past it').to.be.instanceOf(ClientKeysUnavailable);
  });
});
