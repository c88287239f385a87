import { readdirSync } from 'node:fs';
import { expect } from 'chai';
import { Browser, createTestApp, type TestServer } from '../helpers.ts';
import { negotiateLanguage } from '../../src/http/i18n/index.ts';
import { en } from '../../src/http/i18n/en.ts';
import { fr } from '../../src/http/i18n/fr.ts';
import { SCOPES, scopeDescriptions } from '../../src/oauth2/scope.ts';

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
    const untranslated = Object.keys(en).filter((k) => (fr as Record<string, string>)[k] === (en as Record<string, string>)[k] && !/^(admin\.applications|apps\.oauth1|apps\.title|apps\.type|apps\.clientType\.public|admin\.js\.public|authorized\.application|authorized\.actions|nav\.applications|pg\.application|pg\.oidc)$/.test(k));
    expect(untranslated).to.deep.equal([]);
  });

  it('writes each key once, in one page family, and in the family of the same name in every language', async () => {
    // The index spreads the families: a key in two of them would silently take the later one's words.
    const dir = new URL('../../src/http/i18n/', import.meta.url);
    const families = readdirSync(new URL('en/', dir)).sort();
    expect(readdirSync(new URL('fr/', dir)).sort()).to.deep.equal(families);
    const keysOf = async (lang: string, family: string) =>
      Object.values(await import(new URL(`${lang}/${family}`, dir).href) as Record<string, object>).flatMap((strings) => Object.keys(strings));
    for (const [lang, catalog] of [['en', en], ['fr', fr]] as const) {
      const familyOf = new Map<string, string>();
      for (const family of families) {
        const keys = await keysOf(lang, family);
        for (const key of keys) {
          expect(familyOf.get(key), `${lang} ${key} in ${family}`).to.equal(undefined);
          familyOf.set(key, family);
        }
        if (lang === 'fr') expect(keys.sort(), family).to.deep.equal((await keysOf('en', family)).sort());
      }
      expect([...familyOf.keys()].sort(), `${lang}: every family is in the catalogue, and only they`).to.deep.equal(Object.keys(catalog).sort());
    }
  });

  it('has the words of every shipped scope, in English exactly as the registry says them (what config.scopes defaults to)', () => {
    for (const s of SCOPES) expect(en[`scope.${s.name}` as keyof typeof en], s.name).to.equal(s.description);
    expect(Object.keys(en).filter((k) => k.startsWith('scope.'))).to.have.length(SCOPES.length);
  });

  it('shows a shipped scope in French on the consent page, and an operator\'s own words for it as written', async () => {
    const t = await createTestApp({ scopes: { ...scopeDescriptions(), read: 'Lire les factures' } });
    try {
      const owner = await t.app.seed.user({ username: 'bob' });
      const { client } = await t.app.seed.client({ owner, redirectUris: ['https://rp.example/cb'], allowedScopes: ['read', 'openid'] });
      const b = new Browser(t.url, { 'accept-language': 'fr' });
      await b.login('bob', owner.password);
      const html = await (await b.get(`/o/authorize/?${new URLSearchParams({ response_type: 'code', client_id: client.clientId, redirect_uri: 'https://rp.example/cb', scope: 'openid read', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' })}`)).text();
      const shown = [...html.matchAll(/<li><strong>([^<]*)<\/strong>/g)].map((m) => m[1].replace(/&#39;|&apos;/g, "'"));
      expect(shown).to.deep.equal([fr['scope.openid'], 'Lire les factures']);
    } finally { await t.close(); }
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
