import { expect } from 'chai';
import { mkdirSync } from 'node:fs';
import type { Browser as Chromium, Page } from 'playwright-core';
import { createTestApp, type TestServer } from '../helpers.ts';
import { launchChromium, logInThroughForm, watchProblems } from '../chromium.ts';

// GraphiQL at /graphql (outside production) in headless Chromium: served whole from our origin (no CDN: the machine
// may be offline) under the pages' strict CSP, for signed-in users, it must render its editor, run a query, and run a
// mutation with the session's CSRF token, with no console error, no CSP violation and no request off our origin.
const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url).pathname;
const QUERY = '{ __typename }';

describe('e2e: GraphiQL in a real browser (headless Chromium)', function () {
  this.timeout(120_000);
  let srv: TestServer;
  let browser: Chromium;
  const problems: string[] = [];
  const offOrigin: string[] = [];

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    srv = await createTestApp();
    await srv.app.seed.user({ username: 'root', password: 'root-password', isAdmin: true });
    browser = await launchChromium();
  });
  after(async () => { await browser?.close(); await srv?.close(); });
  afterEach(() => {
    expect(problems, 'console errors or CSP violations').to.deep.equal([]);
    expect(offOrigin, 'requests off our origin').to.deep.equal([]);
  });

  /** A new browser (no cookies), signed in as the administrator unless `anonymous`. */
  async function newPage(opts: { anonymous?: boolean } = {}): Promise<Page> {
    const page = watchProblems(await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage(), problems);
    page.on('request', (r) => { const url = r.url(); if (!url.startsWith(srv.url) && !url.startsWith('data:')) offOrigin.push(url); });
    if (!opts.anonymous) await logInThroughForm(page, srv.url, 'root', 'root-password');
    return page;
  }

  /** Opens GraphiQL with `query` in its editor, runs it with the play button, and returns the result pane's text. */
  async function run(page: Page, query: string, expected: string): Promise<string> {
    await page.goto(`${srv.url}/graphql?query=${encodeURIComponent(query)}`);
    await page.waitForSelector('.graphiql-query-editor .monaco-editor');
    await page.locator('.graphiql-execute-button').click();
    const result = page.locator('.graphiql-response');
    await result.getByText(expected).first().waitFor();
    return result.innerText();
  }

  it('the page is ours: strict CSP with a nonce, never framed, no CDN', async () => {
    const page = await newPage();
    const res = await page.request.get(`${srv.url}/graphql`, { headers: { accept: 'text/html' } });
    const html = await res.text();
    expect(res.status()).to.equal(200);
    expect(res.headers()['content-type']).to.match(/^text\/html/);
    const csp = res.headers()['content-security-policy'] ?? '';
    const directive = (name: string) => csp.split(';').map((d) => d.trim()).find((d) => d.startsWith(`${name} `));
    expect(directive('script-src')).to.match(/^script-src 'self' 'nonce-[A-Za-z0-9+/=]+'$/);
    expect(directive('style-src')).to.match(/^style-src 'self' 'nonce-[A-Za-z0-9+/=]+'$/);
    expect(directive('worker-src')).to.equal("worker-src 'self'");
    expect(directive('frame-ancestors')).to.equal("frame-ancestors 'none'");
    expect(res.headers()['x-frame-options']).to.equal('DENY');
    expect(html).not.to.match(/unpkg|jsdelivr|https?:\/\/(?!www\.w3\.org)/);
    // Every script is a file of ours (no inline script to allow).
    expect([...html.matchAll(/<script([^>]*)>/g)].map((m) => /src="\/static\/graphiql\//.test(m[1]!))).to.deep.equal([true, true]);
    for (const name of ['graphiql.js', 'graphiql.css', 'editor.worker.js', 'json.worker.js', 'graphql.worker.js', 'start.js']) {
      const asset = await page.request.get(`${srv.url}/static/graphiql/${name}`);
      expect(asset.status(), name).to.equal(200);
      expect(asset.headers()['content-type'], name).to.match(name.endsWith('.css') ? /^text\/css/ : /^application\/javascript/);
      // Not for anonymous visitors: 5 MB of script is no one else's business (attacker read 10, F4).
      expect((await fetch(`${srv.url}/static/graphiql/${name}`, { redirect: 'manual' })).status, `${name} anonymously`).to.equal(302);
    }
    await page.context().close();
  });

  it('sends an anonymous visitor to the login page, and back to GraphiQL after it', async () => {
    const page = await newPage({ anonymous: true });
    await page.goto(`${srv.url}/graphql`);
    expect(new URL(page.url()).pathname).to.equal('/accounts/login/');
    expect(new URL(page.url()).searchParams.get('next')).to.equal('/graphql');
    await page.context().close();
  });

  it('renders the editor and runs { __typename }', async () => {
    const page = await newPage();
    const text = await run(page, QUERY, '"Query"');
    expect(text).to.match(/"__typename":\s*"Query"/);
    await page.screenshot({ path: `${ARTIFACTS}graphiql.png` });
    await page.context().close();
  });

  it('a signed-in administrator runs a mutation: GraphiQL sends the session\'s X-CSRF-Token', async () => {
    const page = await newPage();
    const text = await run(page, 'mutation { createUser(input: { username: "from-graphiql", password: "a long enough password" }) { user { username } } }', '"from-graphiql"');
    expect(text).to.match(/"username":\s*"from-graphiql"/);
    expect((await srv.app.stores.users.findByUsername('from-graphiql'))?.username).to.equal('from-graphiql');
    await page.context().close();
  });

  it('fits a 360 px wide screen without horizontal scroll', async () => {
    const page = await newPage();
    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto(`${srv.url}/graphql?query=${encodeURIComponent(QUERY)}`);
    await page.waitForSelector('.graphiql-query-editor .monaco-editor');
    await page.screenshot({ path: `${ARTIFACTS}graphiql-360.png` });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).to.be.at.most(360);
    await page.context().close();
  });
});

describe('GraphiQL in production', () => {
  let srv: TestServer;
  before(async () => { srv = await createTestApp({ env: 'production', issuer: 'https://gatehouse.example', allowInsecureTransport: true, sessionKeys: ['k'.repeat(32)], secretPepper: 'p'.repeat(32), encryptionKey: 'e'.repeat(64) }); });
  after(async () => { await srv?.close(); });

  it('is not served: no page, no assets', async () => {
    const page = await fetch(`${srv.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.headers.get('content-type') ?? '').not.to.match(/^text\/html/);
    expect((await fetch(`${srv.url}/static/graphiql/graphiql.js`)).status).to.equal(404);
  });
});
