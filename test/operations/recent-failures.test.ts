import { strict as assert } from 'node:assert';
import { Browser, createTestApp, type TestServer } from '../helpers.ts';
import { actors } from '../graphql/gql-helpers.ts';
import { getCode, postForm } from '../oauth-helpers.ts';
import type { ClientRecord } from '../../src/oauth2/store.ts';

describe('explainable failures: a client\'s refused requests, with their reason, for its owner only', () => {
  let srv: TestServer;
  let a: Awaited<ReturnType<typeof actors>>;
  let client: ClientRecord;
  const sent: string[] = [];
  before(async () => {
    srv = await createTestApp();
    a = await actors(srv);
    const seeded = await srv.app.seed.client({ owner: a.alice, name: 'Alice app', grantTypes: ['authorization_code'], redirectUris: ['https://client.example.com/cb'], allowedScopes: ['read', 'write'] });
    client = seeded.client as ClientRecord;
    const auth = { id: client.clientId, secret: seeded.clientSecret! };
    const setup = { user: a.alice, client, secret: seeded.clientSecret, browser: await a.aliceBrowser(), auth };
    const token = (body: Record<string, string>, creds = auth) => postForm(`${srv.url}/o/token/`, body, creds);
    const cb = 'https://client.example.com/cb';

    // PKCE: a verifier that does not match the challenge.
    const c1 = await getCode(setup);
    const wrongVerifier = 'w'.repeat(50);
    assert.equal((await token({ grant_type: 'authorization_code', code: c1.code, redirect_uri: cb, code_verifier: wrongVerifier })).status, 400);
    // A redirect_uri other than the authorization request's.
    const c2 = await getCode(setup);
    assert.equal((await token({ grant_type: 'authorization_code', code: c2.code, redirect_uri: 'https://client.example.com/other', code_verifier: c2.verifier })).status, 400);
    // A code redeemed twice.
    const c3 = await getCode(setup);
    assert.equal((await token({ grant_type: 'authorization_code', code: c3.code, redirect_uri: cb, code_verifier: c3.verifier })).status, 200);
    assert.equal((await token({ grant_type: 'authorization_code', code: c3.code, redirect_uri: cb, code_verifier: c3.verifier })).status, 400);
    // A grant the client is not registered for; a scope it may not have.
    assert.equal((await token({ grant_type: 'client_credentials' })).status, 400);
    // A wrong secret.
    const wrongSecret = 'not-the-secret-0123456789';
    assert.equal((await token({ grant_type: 'client_credentials' }, { id: client.clientId, secret: wrongSecret })).status, 401);
    sent.push(c1.code, c2.code, c3.code, c1.verifier, c2.verifier, c3.verifier, wrongVerifier, wrongSecret, seeded.clientSecret!);
  });
  after(() => srv.close());

  const EXPECTED = ['secret_mismatch', 'grant_not_allowed', 'code_reused', 'redirect_uri_mismatch', 'pkce_mismatch'];

  it('the owner sees them on the application page, newest first, in plain words, and none of what was sent', async () => {
    const browser = await a.aliceBrowser();
    const res = await browser.get(`/o/applications/${client.id}/`);
    assert.equal(res.status, 200);
    const html = await res.text();
    const reasons = [...html.matchAll(/data-reason="([a-z_]+)"/g)].map((m) => m[1]);
    assert.deepEqual(reasons, EXPECTED);
    assert.match(html, /does not match the code_challenge/);
    assert.match(html, /redirect_uri differs/);
    for (const s of sent) assert.ok(!html.includes(s), 'a secret, code or verifier is on the page');
  });

  it('in French too', async () => {
    const browser = await a.aliceBrowser();
    const html = await (await browser.get(`/o/applications/${client.id}/`, { 'accept-language': 'fr' })).text();
    assert.match(html, /Échecs récents/);
    assert.match(html, /ne correspond pas au code_challenge/);
  });

  it('another user cannot see the page (404)', async () => {
    const bob = await srv.app.seed.user({ username: 'bob' });
    const browser = new Browser(srv.url);
    await browser.login(bob.username, bob.password);
    assert.equal((await browser.get(`/o/applications/${client.id}/`)).status, 404);
  });

  it('GraphQL Client.recentFailures: the owner and an admin see them, through the policy', async () => {
    const q = 'query($c: String) { client(clientId: $c) { recentFailures { reason explanation error requestId at } } }';
    const mine = await a.user(q, { c: client.clientId });
    assert.equal(mine.errors, undefined, JSON.stringify(mine.errors));
    const failures = mine.data.client.recentFailures as { reason: string; explanation: string; error: string; requestId: string; at: string }[];
    assert.deepEqual(failures.map((f) => f.reason), EXPECTED);
    assert.equal(failures[0]!.error, 'invalid_client');
    assert.equal(failures[4]!.error, 'invalid_grant');
    assert.match(failures[4]!.explanation, /code_verifier does not match/);
    assert.ok(failures.every((f) => typeof f.requestId === 'string' && !Number.isNaN(Date.parse(f.at))));
    assert.ok(!JSON.stringify(failures).includes(sent.at(-2)!));
    const admin = await a.admin(q, { c: client.clientId });
    assert.equal(admin.data.client.recentFailures.length, EXPECTED.length);
  });

  it('GraphQL: another user does not see them', async () => {
    const q = 'query($c: String) { client(clientId: $c) { recentFailures { reason } } }';
    // The admin console client's owner is root: alice may not see its failures.
    const { client: rootApp } = await srv.app.seed.client({ owner: a.root, name: 'Root app', grantTypes: ['client_credentials'] });
    assert.equal((await postForm(`${srv.url}/o/token/`, { grant_type: 'client_credentials' }, { id: rootApp.clientId, secret: 'wrong-secret-for-root-app' })).status, 401);
    const theirs = await a.user(q, { c: rootApp.clientId });
    assert.ok(theirs.data?.client === null || (theirs.data?.client?.recentFailures ?? []).length === 0, JSON.stringify(theirs));
    const admin = await a.admin(q, { c: rootApp.clientId });
    assert.deepEqual(admin.data.client.recentFailures.map((f: { reason: string }) => f.reason), ['secret_mismatch']);
  });
});
