import { expect } from 'chai';
import { Browser, createTestApp, type TestServer } from '../helpers.ts';
import { negotiateLanguage } from '../../src/http/i18n/index.ts';
import { en } from '../../src/http/i18n/en.ts';
import { fr } from '../../src/http/i18n/fr.ts';

describe('page strings: one catalog per language, picked by Accept-Language (RFC 9110 §12.5.4)', () => {
  let srv: TestServer;
  before(async () => { srv = await createTestApp(); await srv.app.seed.user({ username: 'alice' }); });
  after(() => srv.close());

  it('negotiates by q-value and falls back to English', () => {
    expect(negotiateLanguage('fr-CH, fr;q=0.9, en;q=0.8')).to.equal('fr');
    expect(negotiateLanguage('de-DE, en;q=0.5, fr;q=0.7')).to.equal('fr');
    expect(negotiateLanguage('de, ja')).to.equal('en');
    expect(negotiateLanguage(undefined)).to.equal('en');
  });

  it('translates every key (no English left behind in French)', () => {
    expect(Object.keys(fr).sort()).to.deep.equal(Object.keys(en).sort());
    const untranslated = Object.keys(en).filter((k) => (fr as Record<string, string>)[k] === (en as Record<string, string>)[k] && !/^(apps\.oauth1|apps\.title|apps\.type|authorized\.application|authorized\.actions|nav\.applications|pg\.application|pg\.oidc)$/.test(k));
    expect(untranslated).to.deep.equal([]);
  });

  it('serves the pages in French to a French browser, with lang, Content-Language and Vary', async () => {
    const b = new Browser(srv.url, { 'accept-language': 'fr-FR,fr;q=0.9' });
    const res = await b.get('/accounts/login/');
    expect(res.headers.get('content-language')).to.equal('fr');
    expect(res.headers.get('vary')).to.match(/accept-language/i);
    const html = await res.text();
    expect(html).to.include('<html lang="fr">');
    expect(html).to.include(`<label for="username">${fr['login.username']}</label>`);
    const wrong = await b.login('alice', 'nope');
    expect(await wrong.text()).to.include(fr['login.wrong']);
  });
});
