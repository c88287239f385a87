import { expect } from 'chai';
import { Browser, createTestApp, csrfFrom, testIdValue, type TestServer } from '../helpers.ts';
import { verifyClientSecret } from '../../src/oauth2/tokens.ts';

describe('application registry pages (/o/applications/)', () => {
  let srv: TestServer;
  let alice: Browser;
  let bob: Browser;

  beforeEach(async () => {
    srv = await createTestApp();
    await srv.app.seed.user({ username: 'alice' });
    await srv.app.seed.user({ username: 'bob' });
    alice = new Browser(srv.url);
    bob = new Browser(srv.url);
    await alice.login('alice', 'password-alice');
    await bob.login('bob', 'password-bob');
  });
  afterEach(() => srv.close());

  async function register(b: Browser, fields: Record<string, string | string[]> = {}) {
    return b.post('/o/applications/register/', {
      ...(await b.formFields('/o/applications/register/')), name: 'My app', client_type: 'confidential', grant_types: ['authorization_code'],
      redirect_uris: 'https://app.example.com/callback', allowed_scopes: ['read', 'write'], ...fields,
    });
  }

  async function applicationRow(clientId: string) {
    const rows = await srv.app.stores.sql.all<any>('select * from applications where client_id = ?', [clientId]);
    return rows[0] as Record<string, unknown>;
  }

  it('registers an application and shows its secret exactly once, stored only as a verifiable hash', async () => {
    const res = await register(alice);
    expect(res.status).to.equal(302);
    const detailUrl = res.headers.get('location')!;
    const first = await alice.get(detailUrl);
    expect(first.headers.get('cache-control')).to.equal('no-store');
    const html = await first.text();
    const clientId = testIdValue(html, 'client-id')!;
    const secret = testIdValue(html, 'client-secret')!;
    expect(clientId).to.match(/^[\w-]{16,}$/);
    expect(secret).to.match(/^[\w-]{64}$/);
    const row = await applicationRow(clientId);
    expect(row.secret_hash).to.be.a('string').and.not.include(secret);
    expect(verifyClientSecret(secret, row.secret_hash as string, srv.app.config.secretPepper)).to.equal(true);
    const again = await (await alice.get(detailUrl)).text();
    expect(testIdValue(again, 'client-secret')).to.equal(undefined);
    expect(again).not.to.include(secret);
  });

  it('re-renders the form with field errors and the typed values on invalid input, storing nothing', async () => {
    const res = await register(alice, { name: 'Keep me', redirect_uris: 'https://app.example.com/cb#frag\nnot a uri', grant_types: ['authorization_code'] });
    expect(res.status).to.equal(400);
    const html = await res.text();
    expect(html).to.include('value="Keep me"');
    expect(html).to.match(/aria-invalid="true"/);
    expect(csrfFrom(html)).to.be.a('string');
    const rows = await srv.app.stores.sql.all<any>('select count(*) as n from applications');
    expect(Number(rows[0].n)).to.equal(0);
  });

  it('rejects http redirect URIs off loopback unless insecure transport is allowed', async () => {
    await srv.close();
    // Secure cookies need https: as behind a TLS-terminating proxy.
    srv = await createTestApp({ allowInsecureTransport: false, issuer: 'https://gatehouse.test', trustProxy: true });
    await srv.app.seed.user({ username: 'carol' });
    const carol = new Browser(srv.url, { 'x-forwarded-proto': 'https' });
    await carol.login('carol', 'password-carol');
    expect((await register(carol, { redirect_uris: 'http://app.example.com/cb' })).status).to.equal(400);
    expect((await register(carol, { redirect_uris: 'http://127.0.0.1:9000/cb' })).status).to.equal(302);
  });

  it('lists, edits and deletes (with confirmation) an application', async () => {
    const detailUrl = (await register(alice)).headers.get('location')!;
    const id = /\/o\/applications\/(\d+)\//.exec(detailUrl)![1];
    expect(await (await alice.get('/o/applications/')).text()).to.include('My app');
    const token = await alice.csrf(`/o/applications/${id}/update/`);
    const upd = await alice.post(`/o/applications/${id}/update/`, { csrfmiddlewaretoken: token, name: 'Renamed', client_type: 'confidential', grant_types: ['authorization_code', 'client_credentials'], redirect_uris: 'https://app.example.com/callback', allowed_scopes: ['read'] });
    expect(upd.status).to.equal(302);
    const row = (await srv.app.stores.sql.all<any>('select * from applications where id = ?', [Number(id)]))[0];
    expect(row.name).to.equal('Renamed');
    expect(row.grant_types).to.equal('authorization_code client_credentials');
    const confirm = await alice.get(`/o/applications/${id}/delete/`);
    expect(confirm.status).to.equal(200);
    const del = await alice.post(`/o/applications/${id}/delete/`, { csrfmiddlewaretoken: csrfFrom(await confirm.text())! });
    expect(del.status).to.equal(302);
    expect((await srv.app.stores.sql.all<any>('select count(*) as n from applications'))[0].n).to.equal(0);
  });

  it('rotates the secret: the new one verifies, the old one no longer does', async () => {
    const detailUrl = (await register(alice)).headers.get('location')!;
    const html = await (await alice.get(detailUrl)).text();
    const clientId = testIdValue(html, 'client-id')!;
    const oldSecret = testIdValue(html, 'client-secret')!;
    const res = await alice.post(`${detailUrl}rotate-secret/`, { csrfmiddlewaretoken: csrfFrom(html)! });
    expect(res.status).to.equal(302);
    const newSecret = testIdValue(await (await alice.get(detailUrl)).text(), 'client-secret')!;
    expect(newSecret).to.be.a('string').and.not.equal(oldSecret);
    const row = await applicationRow(clientId);
    expect(verifyClientSecret(newSecret, row.secret_hash as string, srv.app.config.secretPepper)).to.equal(true);
    expect(verifyClientSecret(oldSecret, row.secret_hash as string, srv.app.config.secretPepper)).to.equal(false);
  });

  it("keeps another user's application unreachable (404 on view, edit, delete, rotate)", async () => {
    const detailUrl = (await register(alice)).headers.get('location')!;
    expect((await bob.get(detailUrl)).status).to.equal(404);
    expect((await bob.get(`${detailUrl}update/`)).status).to.equal(404);
    const token = await bob.csrf('/o/applications/');
    expect((await bob.post(`${detailUrl}delete/`, { csrfmiddlewaretoken: token })).status).to.equal(404);
    expect((await bob.post(`${detailUrl}rotate-secret/`, { csrfmiddlewaretoken: token })).status).to.equal(404);
    expect(await (await bob.get('/o/applications/')).text()).not.to.include('My app');
    expect((await bob.get('/o/applications/99999/')).status).to.equal(404);
    expect((await bob.get('/o/applications/abc/')).status).to.equal(404);
  });

  it('lets an admin see every application', async () => {
    await register(alice);
    await srv.app.seed.user({ username: 'root', isAdmin: true });
    const root = new Browser(srv.url);
    await root.login('root', 'password-root');
    expect(await (await root.get('/o/applications/')).text()).to.include('My app');
  });

  it('creates public clients without a secret and with auth method none', async () => {
    const res = await register(alice, { client_type: 'public', redirect_uris: 'http://127.0.0.1:8765/cb' });
    const html = await (await alice.get(res.headers.get('location')!)).text();
    expect(testIdValue(html, 'client-secret')).to.equal(undefined);
    const row = await applicationRow(testIdValue(html, 'client-id')!);
    expect(row.secret_hash).to.equal(null);
    expect(row.token_endpoint_auth_method).to.equal('none');
  });

  it('enables OAuth 1.0a from the form: the shown secret is also the consumer secret', async () => {
    const res = await register(alice, { oauth1_enabled: 'on' });
    const html = await (await alice.get(res.headers.get('location')!)).text();
    const clientId = testIdValue(html, 'client-id')!;
    const secret = testIdValue(html, 'client-secret')!;
    const consumer = await srv.app.withContext(() => srv.app.stores.oauth1.findConsumer(clientId));
    expect(consumer!.consumerSecret).to.equal(secret);
    const bad = await register(alice, { name: 'RSA', rsa_public_key: '-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----' });
    expect(bad.status).to.equal(400);
  });

  it('rejects a form POST without CSRF', async () => {
    const res = await alice.post('/o/applications/register/', { name: 'x', grant_types: 'client_credentials' });
    expect(res.status).to.equal(403);
  });
});
