import { expect } from 'chai';
import { Browser, createTestApp, csrfFrom, type TestServer } from '../helpers.ts';
import { codeFlowSetup, codeFlowTokens } from '../oauth-helpers.ts';
import { en } from '../../src/http/i18n/en.ts';
import { fr } from '../../src/http/i18n/fr.ts';
import { ECHOED_URI_MAX, echoUri } from '../../src/oauth2/redirect-uri.ts';
import { shownTime } from '../../src/http/render.ts';

// What a new user hit (issue 21), over HTTP: one application per registration form however often it is sent,
// times with their zone, long URIs cut short in errors, and the error page's words spaced.
describe('new-user fixes over HTTP (issue 21)', () => {
  let srv: TestServer;
  let alice: Browser;

  before(async () => {
    srv = await createTestApp();
    await srv.app.seed.user({ username: 'alice', password: 'alice-password' });
    alice = new Browser(srv.url);
    await alice.login('alice', 'alice-password');
  });
  after(() => srv.close());

  const countApps = async (name: string) => (await srv.app.stores.sql.all<{ n: number | string }>('select count(*) as n from applications where name = ?', [name]))[0].n;
  const formOf = async (b: Browser) => {
    const html = await (await b.get('/o/applications/register/')).text();
    return { csrf: csrfFrom(html)!, once: /name="form_once" value="([^"]+)"/.exec(html)?.[1] };
  };
  const fields = (csrf: string, once: string | undefined, name: string, extra: Record<string, string> = {}) => ({
    csrfmiddlewaretoken: csrf, ...(once ? { form_once: once } : {}), name, client_type: 'confidential', grant_types: ['authorization_code'],
    redirect_uris: 'https://app.example.com/callback', allowed_scopes: ['read', 'write'], ...extra,
  });

  describe('the registration form is spent once (one-time form token)', () => {
    it('the form carries a one-time token, a new one each time it is shown', async () => {
      const a = await formOf(alice);
      const b = await formOf(alice);
      expect(a.once).to.match(/^[A-Za-z0-9_-]{24}$/);
      expect(b.once).to.not.equal(a.once);
    });

    it('the same form sent twice, one after the other: one application, and a clear 409 page the second time', async () => {
      const { csrf, once } = await formOf(alice);
      const first = await alice.post('/o/applications/register/', fields(csrf, once, 'Twice in a row'));
      expect(first.status).to.equal(302);
      const second = await alice.post('/o/applications/register/', fields(csrf, once, 'Twice in a row'));
      expect(second.status).to.equal(409);
      const html = await second.text();
      expect(html).to.include('data-testid="already-submitted"');
      expect(html).to.include('href="/o/applications/"');
      expect(Number(await countApps('Twice in a row'))).to.equal(1);
    });

    for (const n of [2, 20]) {
      it(`${n} concurrent POSTs of one form: exactly one application in the database`, async () => {
        const name = `Concurrent ${n}`;
        const { csrf, once } = await formOf(alice);
        const answers = await Promise.all(Array.from({ length: n }, () => alice.post('/o/applications/register/', fields(csrf, once, name))));
        const statuses = answers.map((r) => r.status).sort();
        expect(statuses.filter((s) => s === 302), statuses.join(',')).to.have.length(1);
        expect(statuses.filter((s) => s === 409)).to.have.length(n - 1);
        expect(Number(await countApps(name))).to.equal(1);
      });
    }

    it('a form with errors keeps its token, and the corrected form registers once with it', async () => {
      const { csrf, once } = await formOf(alice);
      const bad = await alice.post('/o/applications/register/', fields(csrf, once, 'Corrected', { redirect_uris: 'not a uri' }));
      expect(bad.status).to.equal(400);
      expect(await bad.text()).to.include(`name="form_once" value="${once}"`);
      expect((await alice.post('/o/applications/register/', fields(csrf, once, 'Corrected'))).status).to.equal(302);
      expect((await alice.post('/o/applications/register/', fields(csrf, once, 'Corrected'))).status).to.equal(409);
      expect(Number(await countApps('Corrected'))).to.equal(1);
    });

    it('a malformed token is refused (400) and registers nothing', async () => {
      const { csrf } = await formOf(alice);
      const res = await alice.post('/o/applications/register/', fields(csrf, 'x'.repeat(500), 'Malformed'));
      expect(res.status).to.equal(400);
      expect(Number(await countApps('Malformed'))).to.equal(0);
    });

    // A POST without the field is a resent or scripted copy of the form as much as one with it: "no token" must not
    // mean "go ahead", or removing the field would undo the guarantee (every form of form-once.ts).
    for (const [what, once] of [['omitted entirely', undefined], ['sent empty', '']] as const) {
      it(`a token ${what} is refused (400), twice, and registers nothing`, async () => {
        const name = `No token ${what}`;
        const { csrf } = await formOf(alice);
        const body = { ...fields(csrf, undefined, name), ...(once === undefined ? {} : { form_once: once }) };
        for (let i = 0; i < 2; i++) expect((await alice.post('/o/applications/register/', body)).status).to.equal(400);
        expect(Number(await countApps(name))).to.equal(0);
      });
    }

    it('a refused form sent without a token comes back with a fresh one, and the corrected form registers once', async () => {
      const { csrf } = await formOf(alice);
      const bad = await alice.post('/o/applications/register/', fields(csrf, undefined, 'Fresh token', { redirect_uris: 'not a uri' }));
      expect(bad.status).to.equal(400);
      const once = /name="form_once" value="([^"]+)"/.exec(await bad.text())?.[1];
      expect(once).to.match(/^[A-Za-z0-9_-]{24}$/);
      expect((await alice.post('/o/applications/register/', fields(csrf, once, 'Fresh token'))).status).to.equal(302);
      expect((await alice.post('/o/applications/register/', fields(csrf, once, 'Fresh token'))).status).to.equal(409);
      expect(Number(await countApps('Fresh token'))).to.equal(1);
    });

    it('20 concurrent POSTs without a token: none registers', async () => {
      const { csrf } = await formOf(alice);
      const answers = await Promise.all(Array.from({ length: 20 }, () => alice.post('/o/applications/register/', fields(csrf, undefined, 'Concurrent without token'))));
      expect([...new Set(answers.map((r) => r.status))]).to.deep.equal([400]);
      expect(Number(await countApps('Concurrent without token'))).to.equal(0);
    });

    it('tokens are per user: bob cannot spend alice\'s form', async () => {
      await srv.app.seed.user({ username: 'bob', password: 'bob-password' });
      const bob = new Browser(srv.url);
      await bob.login('bob', 'bob-password');
      const { once } = await formOf(alice);
      const bobForm = await formOf(bob);
      expect((await bob.post('/o/applications/register/', fields(bobForm.csrf, once, 'Bob with alice token'))).status).to.equal(302);
      const mine = await formOf(alice);
      expect((await alice.post('/o/applications/register/', fields(mine.csrf, once, 'Alice own token'))).status).to.equal(302);
    });

    it('the already-sent page is in French for a French reader, with no English catalogue string', async () => {
      const { csrf, once } = await formOf(alice);
      expect((await alice.post('/o/applications/register/', fields(csrf, once, 'French twice'))).status).to.equal(302);
      const res = await alice.post('/o/applications/register/', fields(csrf, once, 'French twice'), { 'accept-language': 'fr' });
      expect(res.status).to.equal(409);
      const html = await res.text();
      expect(html).to.include(fr['apps.submittedTitle']);
      expect(html).to.not.include(en['apps.submittedTitle']);
      expect(html).to.not.include(en['apps.submittedList']);
    });
  });

  describe('times are shown with their time zone', () => {
    it('shownTime writes minutes and the zone', () => {
      expect(shownTime(Date.UTC(2026, 11, 6, 2, 13, 59))).to.equal('2026-12-06 02:13 UTC');
      expect(shownTime('not a date')).to.equal('—');
    });

    it('the authorized applications page shows when a grant was made, in UTC (English and French)', async () => {
      const setup = await codeFlowSetup(srv);
      await codeFlowTokens(srv, setup);
      for (const lang of ['en', 'fr']) {
        const html = await (await setup.browser.get('/o/authorized_tokens/', { 'accept-language': lang })).text();
        expect(html, lang).to.match(/<time datetime="[^"]+">\d{4}-\d\d-\d\d \d\d:\d\d UTC<\/time>/);
      }
    });
  });

  describe('long URIs are cut short where an error echoes them', () => {
    it('echoUri keeps short URIs and cuts long ones to 80 characters with an ellipsis', () => {
      expect(echoUri('https://a.example/cb')).to.equal('https://a.example/cb');
      const long = `http://app.example.com/${'a'.repeat(300)}`;
      const cut = echoUri(long);
      expect([...cut]).to.have.length(ECHOED_URI_MAX);
      expect(cut.endsWith('…')).to.equal(true);
      expect(long.startsWith(cut.slice(0, -1))).to.equal(true);
    });

    it('the registration form\'s error names a 300-character redirect URI by its first 79 characters and an ellipsis', async () => {
      const long = `https://app.example.com/${'a'.repeat(300)}#fragment`;
      const { csrf, once } = await formOf(alice);
      const res = await alice.post('/o/applications/register/', fields(csrf, once, 'Long URI', { redirect_uris: long }));
      expect(res.status).to.equal(400);
      const html = await res.text();
      expect(html).to.include(`${long.slice(0, ECHOED_URI_MAX - 1)}…:`);
      // The whole URI is still in the textarea the person corrects, only once.
      expect(html.split(long).length - 1).to.equal(1);
    });

    it('a long invalid origin is cut short too', async () => {
      const long = `https://app.example.com/${'p'.repeat(200)}`;
      const { csrf, once } = await formOf(alice);
      const res = await alice.post('/o/applications/register/', fields(csrf, once, 'Long origin', { allowed_origins: long }));
      expect(res.status).to.equal(400);
      expect(await res.text()).to.include(`&quot;${long.slice(0, ECHOED_URI_MAX - 1)}…&quot;`);
    });
  });

  describe('the error page spaces its words', () => {
    it('"request" and the request id are separated by a space (English and French)', async () => {
      for (const [lang, word] of [['en', en['error.request']], ['fr', fr['error.request']]]) {
        const res = await fetch(`${srv.url}/o/authorize/?client_id=nobody`, { headers: { accept: 'text/html', 'accept-language': lang } });
        expect(res.status).to.equal(400);
        const text = (await res.text()).replace(/<[^>]+>/g, '');
        // A request id is base64url and base-36 characters (request-context.ts): it may begin with - or _.
        expect(text, lang).to.match(new RegExp(`· ${word} [\\w-]+`));
        expect(text, lang).to.match(/ invalid_client/);
        expect(text, lang).to.not.match(new RegExp(`${word}[\\w-]`));
      }
    });
  });
});
