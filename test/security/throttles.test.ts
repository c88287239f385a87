import { expect } from 'chai';
import { Browser, createTestApp, type TestServer } from '../helpers.ts';
import { postForm } from '../oauth-helpers.ts';
import { SqlRateLimiter } from '../../src/storage/rate-limit.ts';

/** Counts the statuses of a burst of responses. */
const tally = (statuses: number[]) => statuses.reduce<Record<number, number>>((t, s) => ({ ...t, [s]: (t[s] ?? 0) + 1 }), {});
const from = (ip: string) => ({ 'x-forwarded-for': ip });

/**
 * Issue 17 #4, #6, #7, #13: every throttle consumes an attempt before the secret or password is checked, so
 * concurrent guesses cannot all slip in under the limit; failures count per (subject, source) so an attacker
 * cannot lock out the legitimate caller; and keys of any length fit the store.
 */
describe('security: throttles consume before they check', () => {
  let srv: TestServer;
  // Sources are told apart by X-Forwarded-For, as behind a trusted proxy.
  beforeEach(async () => { srv = await createTestApp({ trustProxy: true }); });
  afterEach(() => srv.close());

  it('login: of 60 concurrent attempts for one username, at most 5 have their password checked; the right one is refused past the limit', async () => {
    const user = await srv.app.seed.user({ username: 'victim' });
    const browser = new Browser(srv.url);
    const csrf = await browser.csrf('/accounts/login/');
    const passwords = [...Array.from({ length: 59 }, (_, i) => `wrong-${i}`), user.password];
    const res = await Promise.all(passwords.map((password) => browser.post('/accounts/login/', { csrfmiddlewaretoken: csrf, username: 'victim', password })));
    const t = tally(res.map((r) => r.status));
    // 400: a wrong password was checked; 302/303: the right one was checked; 429: refused before any check.
    const checked = (t[400] ?? 0) + (t[302] ?? 0) + (t[303] ?? 0);
    expect(checked, JSON.stringify(t)).to.be.at.most(5);
    expect(t[429], JSON.stringify(t)).to.equal(60 - checked);
    // Past the limit the right password is refused too: no session, a 429 with Retry-After.
    const late = await new Browser(srv.url).login('victim', user.password);
    expect(late.status).to.equal(429);
    expect(Number(late.headers.get('retry-after'))).to.be.greaterThan(0);
    expect(late.headers.get('location')).to.equal(null);
  });

  it('password grant: of 40 concurrent attempts for one username, at most 5 are checked; the right one is refused past the limit', async () => {
    const owner = await srv.app.seed.user({ username: 'victim' });
    const { client } = await srv.app.seed.client({ owner, clientType: 'public', grantTypes: ['password'], redirectUris: [] });
    const token = `${srv.url}/o/token/`;
    const passwords = [...Array.from({ length: 39 }, (_, i) => `wrong-${i}`), owner.password];
    const res = await Promise.all(passwords.map((password) => postForm(token, { grant_type: 'password', client_id: client.clientId, username: 'victim', password })));
    const t = tally(res.map((r) => r.status));
    const checked = (t[400] ?? 0) + (t[200] ?? 0);
    expect(checked, JSON.stringify(t)).to.be.at.most(5);
    expect(t[429], JSON.stringify(t)).to.equal(40 - checked);
    const late = await postForm(token, { grant_type: 'password', client_id: client.clientId, username: 'victim', password: owner.password });
    expect(late.status).to.equal(429);
    expect(Number(late.headers.get('retry-after'))).to.be.greaterThan(0);
    expect((await late.json()).access_token).to.equal(undefined);
  });

  it('client secrets: of 100 concurrent guesses from one source, at most 20 are checked; the right secret is refused there past the limit', async () => {
    const owner = await srv.app.seed.user({ username: 'owner' });
    const { client, clientSecret } = await srv.app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: [] });
    const token = `${srv.url}/o/token/`;
    const attacker = from('203.0.113.7');
    // Basic and client_secret_post alike; the right secret last.
    const guess = (secret: string, i: number) => (i % 2
      ? postForm(token, { grant_type: 'client_credentials' }, { id: client.clientId, secret }, attacker)
      : postForm(token, { grant_type: 'client_credentials', client_id: client.clientId, client_secret: secret }, undefined, attacker));
    const secrets = [...Array.from({ length: 99 }, (_, i) => `guess-${i}`), clientSecret!];
    const res = await Promise.all(secrets.map(guess));
    const t = tally(res.map((r) => r.status));
    const checked = (t[401] ?? 0) + (t[200] ?? 0);
    expect(checked, JSON.stringify(t)).to.be.at.most(20);
    expect(t[429], JSON.stringify(t)).to.equal(100 - checked);
    for (const [i, style] of [[0, 'post'], [1, 'basic']] as const) {
      const late = await guess(clientSecret!, i);
      expect(late.status, style).to.equal(429);
      expect(Number(late.headers.get('retry-after')), style).to.be.greaterThan(0);
      expect((await late.json()).error, style).to.equal('invalid_client');
    }
  });

  it('client secrets: wrong guesses from one source do not lock the client out from another (per client and source)', async () => {
    const owner = await srv.app.seed.user({ username: 'owner' });
    const { client, clientSecret } = await srv.app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: [] });
    const token = `${srv.url}/o/token/`;
    for (let i = 0; i < 25; i++) await postForm(token, { grant_type: 'client_credentials' }, { id: client.clientId, secret: `guess-${i}` }, from('203.0.113.7'));
    expect((await postForm(token, { grant_type: 'client_credentials' }, { id: client.clientId, secret: clientSecret! }, from('203.0.113.7'))).status).to.equal(429);
    const real = from('198.51.100.20');
    for (let i = 0; i < 25; i++) {
      const ok = await postForm(token, { grant_type: 'client_credentials' }, { id: client.clientId, secret: clientSecret! }, real);
      expect(ok.status, `request ${i}`).to.equal(200);
      // Body authentication skips the memo of verified Basic credentials: checked in full every time.
      const post = await postForm(token, { grant_type: 'client_credentials', client_id: client.clientId, client_secret: clientSecret! }, undefined, real);
      expect(post.status, `request ${i} (post)`).to.equal(200);
    }
    expect((await postForm(`${srv.url}/o/introspect/`, { token: 'x' }, { id: client.clientId, secret: clientSecret! }, real)).status).to.equal(200);
  });

  it('client secrets: a legitimate burst larger than the limit (cold server, no memo yet) is all answered', async () => {
    const owner = await srv.app.seed.user({ username: 'owner' });
    const { client, clientSecret } = await srv.app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: [] });
    const token = `${srv.url}/o/token/`;
    const basic = await Promise.all(Array.from({ length: 60 }, () => postForm(token, { grant_type: 'client_credentials' }, { id: client.clientId, secret: clientSecret! })));
    expect(tally(basic.map((r) => r.status))).to.deep.equal({ 200: 60 });
    const post = await Promise.all(Array.from({ length: 60 }, () => postForm(token, { grant_type: 'client_credentials', client_id: client.clientId, client_secret: clientSecret! })));
    expect(tally(post.map((r) => r.status))).to.deep.equal({ 200: 60 });
  });

  it('password grant and client secrets: a new IPv6 address of the same /64 for every guess is still one source (attacker read 10, F3)', async () => {
    const owner = await srv.app.seed.user({ username: 'owner' });
    const { client } = await srv.app.seed.client({ owner, clientType: 'public', grantTypes: ['password'], redirectUris: [] });
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const r = await postForm(`${srv.url}/o/token/`, { grant_type: 'password', client_id: client.clientId, username: `user${i}`, password: 'Winter2024!' }, undefined, from(`2001:db8:1:2::${(i + 1).toString(16)}`));
      statuses.push(r.status);
    }
    expect(tally(statuses)).to.deep.equal({ 400: 20, 429: 10 });
    const { client: confidential } = await srv.app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: [] });
    const secrets: number[] = [];
    for (let i = 0; i < 25; i++) secrets.push((await postForm(`${srv.url}/o/token/`, { grant_type: 'client_credentials' }, { id: confidential.clientId, secret: `guess-${i}` }, from(`2001:db8:1:2::${(i + 100).toString(16)}`))).status);
    expect(tally(secrets)).to.deep.equal({ 401: 20, 429: 5 });
  });

  it('password grant: 60 usernames sprayed from one source through a public client meet 429 (per-source limit)', async () => {
    const owner = await srv.app.seed.user({ username: 'owner' });
    const { client } = await srv.app.seed.client({ owner, clientType: 'public', grantTypes: ['password'], redirectUris: [] });
    const sprayer = from('203.0.113.9');
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++) {
      const r = await postForm(`${srv.url}/o/token/`, { grant_type: 'password', client_id: client.clientId, username: `user${i}`, password: 'Winter2024!' }, undefined, sprayer);
      statuses.push(r.status);
      if (r.status === 429) {
        expect(Number(r.headers.get('retry-after'))).to.be.greaterThan(0);
        expect((await r.json()).error).to.equal('invalid_grant');
      }
    }
    const t = tally(statuses);
    expect(t[400], JSON.stringify(t)).to.equal(20);
    expect(t[429], JSON.stringify(t)).to.equal(40);
    // One budget of password guesses per source, whichever door they come through.
    const b = new Browser(srv.url, sprayer);
    expect((await b.login('owner', owner.password)).status).to.equal(429);
    // Another source is untouched.
    expect((await postForm(`${srv.url}/o/token/`, { grant_type: 'password', client_id: client.clientId, username: 'owner', password: owner.password }, undefined, from('198.51.100.20'))).status).to.equal(200);
  });

  it('a 500-character username or client_id is an ordinary failure, not a 500 (keys of any length fit the limiter)', async () => {
    const long = 'a'.repeat(500);
    const owner = await srv.app.seed.user({ username: 'owner' });
    const { client } = await srv.app.seed.client({ owner, clientType: 'public', grantTypes: ['password'], redirectUris: [] });
    const login = await new Browser(srv.url).login(long, 'whatever-password');
    expect(login.status).to.equal(400);
    const grant = await postForm(`${srv.url}/o/token/`, { grant_type: 'password', client_id: client.clientId, username: long, password: 'x' });
    expect(grant.status).to.equal(400);
    expect((await grant.json()).error).to.equal('invalid_grant');
    const secret = await postForm(`${srv.url}/o/token/`, { grant_type: 'client_credentials' }, { id: long, secret: 'x' });
    expect(secret.status).to.equal(401);
  });

  // Found by the attacker's read of this change: a per-username lock let anyone lock any user out from anywhere.
  it('login: failures from one source do not lock the user out from another; many sources together still get few guesses', async () => {
    const user = await srv.app.seed.user({ username: 'victim' });
    const attacker = new Browser(srv.url, from('203.0.113.50'));
    const csrf = await attacker.csrf('/accounts/login/');
    const burst = await Promise.all(Array.from({ length: 30 }, (_, i) => attacker.post('/accounts/login/', { csrfmiddlewaretoken: csrf, username: 'Victim ', password: `wrong-${i}` })));
    expect(tally(burst.map((r) => r.status))).to.deep.equal({ 400: 5, 429: 25 });
    expect((await new Browser(srv.url, from('198.51.100.1')).login('victim', user.password)).status).to.equal(302);
    // 100 failures for one username across all sources (LOGIN_LIMIT_PER_USERNAME_ALL_SOURCES) close it everywhere.
    // 5 failed from the attacker above; 19 sources × 5 more make 100.
    for (let i = 0; i < 19; i++) {
      const b = new Browser(srv.url, from(`192.0.2.${i + 1}`));
      const token = await b.csrf('/accounts/login/');
      const statuses = await Promise.all(Array.from({ length: 5 }, (_, j) => b.post('/accounts/login/', { csrfmiddlewaretoken: token, username: 'victim', password: `w-${i}-${j}` }).then((r) => r.status)));
      expect(statuses.every((st) => st === 400), `source ${i}: ${statuses}`).to.equal(true);
    }
    expect((await new Browser(srv.url, from('198.51.100.2')).login('victim', user.password)).status).to.equal(429);
    // Found by the third attack round: the source the user signed in from before is theirs and stays open.
    expect((await new Browser(srv.url, from('198.51.100.1')).login('victim', user.password)).status).to.equal(302);
  });

  // Issue 21, attacker read 8 finding 2: every burst from one source against its used-up (user, source) budget left
  // one count on the user's all-sources budget (the refused attempt that saturated it was never given back), so one
  // source locked the user out of every new network with 5 checked passwords. LOGIN_LIMIT_PER_USERNAME_ALL_SOURCES
  // is 20 here so that 15 such bursts would do it; 30 bursts of 50 come from the one source.
  for (const limiter of ['the instance\'s own limiter', 'counts in the database (SqlRateLimiter)'] as const) {
    it(`login: bursts of wrong passwords from one source spend only the guesses checked on the user's all-sources budget (${limiter})`, async function () {
      this.timeout(120_000);
      const counts = limiter === 'the instance\'s own limiter' ? undefined : await createTestApp();
      const own = await createTestApp({ trustProxy: true, rateLimit: { loginPerUsernameAllSources: 20 } }, counts ? { limiter: new SqlRateLimiter(counts.app.stores.sql) } : {});
      try {
        const user = await own.app.seed.user({ username: 'victim' });
        const attacker = new Browser(own.url, from('203.0.113.66'));
        const csrf = await attacker.csrf('/accounts/login/');
        const t: Record<number, number> = {};
        for (let wave = 0; wave < 30; wave++) {
          const burst = await Promise.all(Array.from({ length: 50 }, (_, i) => attacker.post('/accounts/login/', { csrfmiddlewaretoken: csrf, username: 'victim', password: `wrong-${wave}-${i}` })));
          for (const r of burst) t[r.status] = (t[r.status] ?? 0) + 1;
        }
        expect(t, 'only the (user, source) budget is ever checked').to.deep.equal({ 400: 5, 429: 1495 });
        const fresh = await new Browser(own.url, from('198.51.100.77')).login('victim', user.password);
        expect(fresh.status, 'the right password from a new source').to.equal(302);
        // The all-sources budget still holds exactly 20 - 5 = 15 wrong passwords from other sources (3 each from 5).
        for (let s = 0; s < 5; s++) {
          const b = new Browser(own.url, from(`192.0.2.${100 + s}`));
          const token = await b.csrf('/accounts/login/');
          for (let j = 0; j < 3; j++) expect((await b.post('/accounts/login/', { csrfmiddlewaretoken: token, username: 'victim', password: `x-${s}-${j}` })).status).to.equal(400);
        }
        expect((await new Browser(own.url, from('198.51.100.78')).login('victim', user.password)).status, 'budget used up').to.equal(429);
      } finally {
        await own.close();
        await counts?.close();
      }
    });
  }

  it('login: a flood from one used-up source, held in flight, never takes the user\'s all-sources budget from a new source (attacker read 9, F5; counts in the database)', async function () {
    this.timeout(120_000);
    const counts = await createTestApp();
    const own = await createTestApp({ trustProxy: true, rateLimit: { loginPerUsernameAllSources: 20 } }, { limiter: new SqlRateLimiter(counts.app.stores.sql) });
    try {
      const user = await own.app.seed.user({ username: 'victim' });
      const attacker = new Browser(own.url, from('203.0.113.67'));
      const csrf = await attacker.csrf('/accounts/login/');
      for (let i = 0; i < 5; i++) expect((await attacker.post('/accounts/login/', { csrfmiddlewaretoken: csrf, username: 'victim', password: `wrong-${i}` })).status).to.equal(400);
      for (let round = 0; round < 3; round++) {
        const flood = Array.from({ length: 150 }, (_, i) => attacker.post('/accounts/login/', { csrfmiddlewaretoken: csrf, username: 'victim', password: `flood-${round}-${i}` }));
        const victim = new Browser(own.url, from(`198.51.100.${90 + round}`)).login('victim', user.password);
        const [answer, ...refused] = await Promise.all([victim, ...flood]);
        expect(refused.every((r) => r.status === 429), 'the used-up source is refused').to.equal(true);
        expect(answer.status, `round ${round}: the right password from a new source`).to.equal(302);
      }
    } finally {
      await own.close();
      await counts.close();
    }
  });

  it('OAuth 1: wrong signatures count in the same per-(client, source) budget as client secrets', async () => {
    const owner = await srv.app.seed.user({ username: 'owner' });
    const { client, clientSecret } = await srv.app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: ['https://consumer.example/cb'], oauth1Enabled: true });
    const initiate = (secretGuess: string, ip: string) => fetch(`${srv.url}/oauth1/initiate`, {
      method: 'POST',
      headers: { ...from(ip), authorization: `OAuth oauth_consumer_key="${client.clientId}", oauth_signature_method="PLAINTEXT", oauth_signature="${encodeURIComponent(secretGuess)}%26", oauth_callback="oob"` },
    });
    const res = await Promise.all(Array.from({ length: 40 }, (_, i) => initiate(`guess-${i}`, '203.0.113.9')));
    expect(tally(res.map((r) => r.status))).to.deep.equal({ 401: 20, 429: 20 });
    expect((await initiate(clientSecret!, '203.0.113.9')).status).to.equal(429);
    // The same budget: the OAuth 2 door is closed to that source too, and both stay open elsewhere.
    expect((await postForm(`${srv.url}/o/token/`, { grant_type: 'client_credentials' }, { id: client.clientId, secret: clientSecret! }, from('203.0.113.9'))).status).to.equal(429);
    expect((await initiate(clientSecret!, '198.51.100.30')).status).to.equal(200);
  });

  it('OAuth 1: a refused token signed with the right consumer secret is no secret guess — it spends none of the budget (attacker read 9, F3)', async () => {
    const owner = await srv.app.seed.user({ username: 'owner' });
    const { client, clientSecret } = await srv.app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: ['https://consumer.example/cb'], oauth1Enabled: true });
    // A revoked or unknown token, the consumer's own secret (PLAINTEXT: consumer secret & token secret).
    const withToken = (ip: string) => fetch(`${srv.url}/api/oauth1/user`, {
      headers: { ...from(ip), authorization: `OAuth oauth_consumer_key="${client.clientId}", oauth_token="revoked-or-unknown", oauth_signature_method="PLAINTEXT", oauth_signature="${encodeURIComponent(clientSecret!)}%26whatever"` },
    });
    // In waves of 10 (under the budget of 20 even while in flight: each attempt is counted before its check).
    const res: Response[] = [];
    for (let wave = 0; wave < 3; wave++) res.push(...await Promise.all(Array.from({ length: 10 }, () => withToken('203.0.113.10'))));
    expect(tally(res.map((r) => r.status))).to.deep.equal({ 401: 30 });
    // The application's own requests from that address still work, on both doors.
    const initiate = await fetch(`${srv.url}/oauth1/initiate`, { method: 'POST', headers: { ...from('203.0.113.10'), authorization: `OAuth oauth_consumer_key="${client.clientId}", oauth_signature_method="PLAINTEXT", oauth_signature="${encodeURIComponent(clientSecret!)}%26", oauth_callback="oob"` } });
    expect(initiate.status).to.equal(200);
    expect((await postForm(`${srv.url}/o/token/`, { grant_type: 'client_credentials' }, { id: client.clientId, secret: clientSecret! }, from('203.0.113.10'))).status).to.equal(200);
  });

  it('a source address longer than the event column (a forwarded header) is an ordinary failure, still audited', async () => {
    const owner = await srv.app.seed.user({ username: 'owner' });
    const { client } = await srv.app.seed.client({ owner, clientType: 'public', grantTypes: ['password'], redirectUris: [] });
    const weird = from('a'.repeat(100));
    const grant = await postForm(`${srv.url}/o/token/`, { grant_type: 'password', client_id: client.clientId, username: 'owner', password: 'wrong' }, undefined, weird);
    expect(grant.status).to.equal(400);
    const login = await new Browser(srv.url, weird).login('owner', owner.password);
    expect(login.status).to.equal(302);
    const events = await srv.app.stores.sql.all<{ type: string; ip: string | null }>("select type, ip from events where type in ('login.failed', 'login.succeeded') order by id");
    expect(events.map((e) => e.type)).to.deep.equal(['login.failed', 'login.succeeded']);
    expect(events.every((e) => e.ip === null || e.ip.length <= 64)).to.equal(true);
  });
});
