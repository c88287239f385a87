import { expect } from 'chai';
import { Browser, createTestApp, type TestServer } from '../helpers.ts';

// The playground's OpenID Connect button over HTTP: the page offers it in both languages, hands its script the
// issuer the ID Token must name, and runs that script under the page's CSP (a nonce, no inline script). The flow the
// script drives is then replayed in Chromium (test/e2e/browser.test.ts).
describe('the OAuth playground: OpenID Connect code flow (openid + nonce + PKCE)', () => {
  let t: TestServer;
  let browser: Browser;
  before(async () => {
    t = await createTestApp({ playground: true });
    const user = await t.app.seed.user({ username: 'ada' });
    browser = new Browser(t.url);
    await browser.login(user.username, user.password);
  });
  after(() => t.close());

  const buttonLabel = (html: string, id: string) => new RegExp(`<button[^>]*id="${id}"[^>]*>([^<]*)</button>`).exec(html)?.[1];

  it('offers the OpenID Connect flow and UserInfo, labelled in English and in French', async () => {
    const en = await (await browser.get('/o/playground/')).text();
    expect(buttonLabel(en, 'pg-oidc')).to.equal('OpenID Connect (openid + nonce + PKCE)');
    expect(buttonLabel(en, 'pg-userinfo')).to.equal('Call UserInfo');
    const fr = await (await browser.get('/o/playground/', { 'accept-language': 'fr' })).text();
    expect(buttonLabel(fr, 'pg-userinfo')).to.equal('Appeler UserInfo');
    expect(buttonLabel(en, 'pg-userinfo-jwt')).to.equal('Ask for signed UserInfo (application/jwt)');
    expect(buttonLabel(fr, 'pg-userinfo-jwt')).to.equal('Demander UserInfo signé (application/jwt)');
    expect(/<html lang="([^"]+)"/.exec(fr)?.[1]).to.equal('fr');
  });

  it('gives the script the issuer an ID Token must name (Core §3.1.3.7 rule 2), the one discovery publishes', async () => {
    const html = await (await browser.get('/o/playground/')).text();
    const issuer = (await (await fetch(`${t.url}/.well-known/openid-configuration`)).json() as { issuer: string }).issuer;
    expect(/id="pg-log"[^>]*data-issuer="([^"]+)"/.exec(html)?.[1]).to.equal(issuer);
  });

  it('runs its script under the CSP: external, with the response nonce; no inline script is allowed', async () => {
    for (const path of ['/o/playground/', '/o/playground/callback?code=x&state=y']) {
      const res = await browser.get(path);
      expect(res.status, path).to.equal(200);
      const csp = res.headers.get('content-security-policy') ?? '';
      const scriptSrc = /script-src ([^;]+)/.exec(csp)?.[1] ?? '';
      expect(scriptSrc, path).to.not.include('unsafe-inline');
      const nonce = /'nonce-([^']+)'/.exec(scriptSrc)?.[1];
      expect(nonce, path).to.be.a('string');
      const scripts = [...(await res.text()).matchAll(/<script([^>]*)>([^<]*)<\/script>/g)];
      expect(scripts.map((m) => /src="([^"]+)"/.exec(m[1])?.[1]), path).to.deep.equal(['/static/playground.js']);
      expect(scripts.every((m) => m[2] === '' && m[1].includes(`nonce="${nonce}"`)), path).to.equal(true);
    }
    // A module: the JWT reading it imports is served from the same origin ('self'), under the same CSP.
    for (const name of ['playground.js', 'playground-jwt.js']) {
      const js = await fetch(`${t.url}/static/${name}`);
      expect(js.status, name).to.equal(200);
      expect(js.headers.get('content-type'), name).to.match(/^(application|text)\/javascript/);
    }
  });

  it('the callback page needs a login, like the playground', async () => {
    const res = await new Browser(t.url).get('/o/playground/callback?code=x&state=y');
    expect(res.status).to.equal(302);
    expect(res.headers.get('location')).to.match(/^\/accounts\/login\/\?next=/);
  });
});
