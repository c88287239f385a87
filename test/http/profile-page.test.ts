import { expect } from 'chai';
import { Browser, createTestApp, csrfFrom, type TestServer } from '../helpers.ts';

describe('the profile page (/accounts/profile/): OpenID Connect §5.1 claims a user edits', () => {
  let t: TestServer;
  let user: { id: number; username: string; password: string };
  let browser: Browser;
  before(async () => {
    t = await createTestApp();
    user = await t.app.seed.user({ username: 'ada' });
    browser = new Browser(t.url);
    await browser.login(user.username, user.password);
  });
  after(() => t.close());

  const stored = () => t.app.withContext(() => t.app.stores.users.findById(user.id));
  const form = async (fields: Record<string, string>) => {
    const html = await (await browser.get('/accounts/profile/')).text();
    return browser.post('/accounts/profile/', { csrfmiddlewaretoken: csrfFrom(html)!, ...fields });
  };

  it('asks an anonymous visitor to log in first', async () => {
    const res = await new Browser(t.url).get('/accounts/profile/');
    expect(res.status).to.equal(302);
    expect(res.headers.get('location')).to.equal(`/accounts/login/?next=${encodeURIComponent('/accounts/profile/')}`);
  });

  it('saves the fields, the address parts included, and shows them again', async () => {
    const res = await form({ name: 'Ada Lovelace', birthdate: '1815-12-10', phone_number: '+442071234567', website: 'https://ada.example', 'address-locality': 'London', email: 'ada@example.com' });
    expect(res.status).to.equal(302);
    expect(res.headers.get('location')).to.equal('/accounts/profile/');
    const u = (await stored())!;
    expect(u.profile).to.deep.equal({ name: 'Ada Lovelace', birthdate: '1815-12-10', phone_number: '+442071234567', website: 'https://ada.example', address: { locality: 'London' } });
    expect(u.email).to.equal('ada@example.com');
    expect(u.updatedAt).to.be.a('number');
    const html = await (await browser.get('/accounts/profile/')).text();
    expect(/id="address-locality"[^>]*value="([^"]*)"/.exec(html)?.[1]).to.equal('London');
  });

  it('refuses invalid values with 400, each field marked, and stores nothing', async () => {
    const before = (await stored())!.profile;
    const res = await form({ name: 'Ada', website: 'javascript:alert(1)', birthdate: '10/12/1815', phone_number: '0712', locale: 'english please' });
    expect(res.status).to.equal(400);
    const html = await res.text();
    const invalid = [...html.matchAll(/<input id="([^"]+)"[^>]*aria-invalid="true"/g)].map((m) => m[1]);
    expect(invalid).to.have.members(['website', 'birthdate', 'phone_number', 'locale']);
    expect((await stored())!.profile).to.deep.equal(before);
  });

  it('needs the CSRF token, and speaks French', async () => {
    expect((await browser.post('/accounts/profile/', { name: 'Mallory' })).status).to.equal(403);
    const fr = await browser.get('/accounts/profile/', { 'accept-language': 'fr' });
    expect(fr.headers.get('content-language')).to.equal('fr');
  });
});
