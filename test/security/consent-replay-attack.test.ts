import { expect } from 'chai';
import { Browser, createTestApp, type TestServer } from '../helpers.ts';
import { codeFlowSetup, consentForm, pkcePair, postForm } from '../oauth-helpers.ts';

const CB = 'https://client.example.com/cb';
type Setup = Awaited<ReturnType<typeof codeFlowSetup>>;

// Issue 22 attacker read: a consent decision is spent once (RFC 9126 §4 for pushed requests), HEAD never approves
// (RFC 9110 §9.2.1, §9.3.2), and setTokenExchangePolicy answers what it stored.
describe('attacker read (issue 22): consent replay, HEAD at the authorization endpoint, token exchange policy', () => {
  let srv: TestServer;
  let strict: TestServer;
  before(async () => {
    srv = await createTestApp();
    strict = await createTestApp({ requirePushedAuthorizationRequests: true });
  });
  after(async () => { await srv.close(); await strict.close(); });

  const plainRequest = (setup: Setup) => ({ response_type: 'code', client_id: setup.client.clientId, redirect_uri: CB, scope: 'read', state: 's1', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' });
  async function pushed(s: TestServer, setup: Setup) {
    const res = await postForm(`${s.url}/o/par`, plainRequest(setup), setup.auth);
    expect(res.status).to.equal(201);
    return { client_id: setup.client.clientId, request_uri: (await res.json() as Record<string, string>).request_uri };
  }
  const codes = async (s: TestServer, setup: Setup) => (await s.app.stores.sql.all('select 1 from authorization_codes c join applications a on a.id = c.application_id where a.client_id = ?', [setup.client.clientId])).length;
  const codeIn = (res: Response) => (res.headers.get('location') ? new URL(res.headers.get('location')!, 'https://x.invalid').searchParams.get('code') : null);

  /** The consent page's form (allowed), then its decision posted once; the same form is kept for replays. */
  async function consented(s: TestServer, setup: Setup, params: Record<string, string>) {
    const { fields } = await consentForm(setup.browser, params);
    expect(fields, 'a consent page').not.to.equal(null);
    const form = { ...fields!, allow: 'Authorize' };
    const first = await setup.browser.post('/o/authorize/', form);
    expect(first.status).to.equal(302);
    expect(codeIn(first)).to.be.a('string');
    return form;
  }

  for (const [name, app] of [['pushed, REQUIRE_PUSHED_AUTHORIZATION_REQUESTS', () => strict], ['pushed, PAR optional', () => srv], ['not pushed', () => srv]] as const) {
    describe(`the consent form is spent once (${name})`, () => {
      const request = async (s: TestServer, setup: Setup) => (name === 'not pushed' ? plainRequest(setup) : pushed(s, setup));

      it('the same consent POST sent again (same session) yields no second code', async () => {
        const s = app();
        const setup = await codeFlowSetup(s);
        const form = await consented(s, setup, await request(s, setup));
        const replay = await setup.browser.post('/o/authorize/', form);
        expect(replay.status).to.equal(400);
        expect(replay.headers.get('location')).to.equal(null);
        expect(await replay.text()).to.include('invalid_request');
        expect(await codes(s, setup)).to.equal(1);
      });

      it('20 concurrent copies of one consent POST yield exactly one code', async () => {
        const s = app();
        const setup = await codeFlowSetup(s);
        const { fields } = await consentForm(setup.browser, await request(s, setup));
        const answers = await Promise.all(Array.from({ length: 20 }, () => setup.browser.post('/o/authorize/', { ...fields!, allow: 'Authorize' })));
        expect(answers.filter((r) => codeIn(r) !== null)).to.have.length(1);
        expect(answers.filter((r) => r.status === 400)).to.have.length(19);
        expect(await codes(s, setup)).to.equal(1);
      });

      it('a denied consent form cannot be sent again as an approval', async () => {
        const s = app();
        const setup = await codeFlowSetup(s);
        const { fields } = await consentForm(setup.browser, await request(s, setup));
        const denial = await setup.browser.post('/o/authorize/', fields!);
        expect(new URL(denial.headers.get('location')!).searchParams.get('error')).to.equal('access_denied');
        const approval = await setup.browser.post('/o/authorize/', { ...fields!, allow: 'Authorize' });
        expect(approval.status).to.equal(400);
        expect(await codes(s, setup)).to.equal(0);
      });

      it('a consent POST without the form token, or with a made-up one, yields no code', async () => {
        const s = app();
        const setup = await codeFlowSetup(s);
        const { fields } = await consentForm(setup.browser, await request(s, setup));
        const { form_once: _, ...rest } = fields!;
        expect(_).to.be.a('string');
        for (const once of [undefined, 'A'.repeat(24), 'not a token']) {
          const res = await setup.browser.post('/o/authorize/', { ...rest, ...(once === undefined ? {} : { form_once: once }), allow: 'Authorize' });
          expect(res.status, String(once)).to.equal(400);
          expect(res.headers.get('location'), String(once)).to.equal(null);
        }
        // The token is bound to the fields shown: the same form asking for more is not one this server showed.
        const widened = await setup.browser.post('/o/authorize/', { ...fields!, scope: 'read write', allow: 'Authorize' });
        expect(widened.status).to.equal(400);
        expect(await codes(s, setup)).to.equal(0);
      });
    });
  }

  describe('HEAD /o/authorize/ (RFC 9110 §9.3.2: GET without content, a safe method)', () => {
    it('never approves: the fields of a consented pushed request, sent as plain HEAD query parameters → 405, no code', async () => {
      const setup = await codeFlowSetup(strict);
      const req = await pushed(strict, setup);
      const { fields } = await consentForm(setup.browser, req);
      const first = await setup.browser.post('/o/authorize/', { ...fields!, allow: 'Authorize' });
      expect(codeIn(first)).to.be.a('string');
      const { csrfmiddlewaretoken: _c, form_once: _f, ...plain } = fields as Record<string, string>;
      const head = await setup.browser.request(`/o/authorize/?${new URLSearchParams(plain)}`, { method: 'HEAD' });
      expect(head.status).to.equal(405);
      expect(head.headers.get('allow')).to.equal('GET, POST');
      expect(head.headers.get('location')).to.equal(null);
      expect(await codes(strict, setup)).to.equal(1);
      // The PAR-required rule holds for every method that is not the consent decision.
      const get = await setup.browser.get(`/o/authorize/?${new URLSearchParams(plain)}`);
      expect(get.status).to.equal(400);
      expect(get.headers.get('location')).to.equal(null);
    });

    it('an auto-approvable request (consent given before) gets no code by HEAD; a pushed request_uri is not spent by it', async () => {
      const setup = await codeFlowSetup(srv);
      await consented(srv, setup, plainRequest(setup));
      const head = await setup.browser.request(`/o/authorize/?${new URLSearchParams(plainRequest(setup))}`, { method: 'HEAD' });
      expect(head.status).to.equal(405);
      expect(head.headers.get('location')).to.equal(null);
      expect(await codes(srv, setup)).to.equal(1);
      // A link checker's HEAD leaves the request_uri to the browser's GET (which auto-approves: consent was given).
      const req = await pushed(srv, setup);
      expect((await setup.browser.request(`/o/authorize/?${new URLSearchParams(req)}`, { method: 'HEAD' })).status).to.equal(405);
      const get = await setup.browser.get(`/o/authorize/?${new URLSearchParams(req)}`);
      expect(get.status).to.equal(302);
      expect(codeIn(get)).to.be.a('string');
      expect(await codes(srv, setup)).to.equal(2);
    });
  });

  describe('setTokenExchangePolicy through the admin console (session, X-CSRF-Token)', () => {
    it('answers the policy it stored, as a later query does', async () => {
      const admin = await srv.app.seed.user({ username: 'te-root', isAdmin: true });
      await srv.app.stores.resourceServers.create({ identifier: 'https://b.example/api', name: 'B', scopes: ['read'], accessTokenFormat: 'opaque', accessTokenTtl: null });
      const { client } = await srv.app.seed.client({ owner: admin, name: 'exchanger', grantTypes: ['client_credentials'], allowedScopes: ['read'] });
      const browser = new Browser(srv.url);
      await browser.login(admin.username, admin.password);
      const csrf = await browser.csrf('/');
      const gql = async (query: string, variables: Record<string, unknown> = {}) => (await (await browser.request('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify({ query, variables }) })).json()) as { data: any; errors?: unknown[] };
      const id = (await gql('query($c: String) { client(clientId: $c) { id } }', { c: client.clientId })).data.client.id as string;
      const set = (p: Record<string, unknown> | null) => gql('mutation($id: ID!, $p: TokenExchangePolicyInput) { setTokenExchangePolicy(id: $id, policy: $p) { tokenExchangePolicy { audiences impersonation delegation } } }', { id, p });
      const read = async () => (await gql('query($c: String) { client(clientId: $c) { tokenExchangePolicy { audiences impersonation delegation } } }', { c: client.clientId })).data.client.tokenExchangePolicy;

      const on = await set({ audiences: ['https://b.example/api'], impersonation: true });
      expect(on.errors, JSON.stringify(on.errors)).to.equal(undefined);
      expect(on.data.setTokenExchangePolicy.tokenExchangePolicy).to.deep.equal({ audiences: ['https://b.example/api'], impersonation: true, delegation: false });
      expect(await read()).to.deep.equal(on.data.setTokenExchangePolicy.tokenExchangePolicy);
      const off = await set(null);
      expect(off.data.setTokenExchangePolicy.tokenExchangePolicy).to.equal(null);
      expect(await read()).to.equal(null);
    });
  });
});
