import { expect } from 'chai';
import * as oidc from 'openid-client';
import Koa from 'koa';
import { createTestApp, serveKoa, type TestServer } from '../helpers.ts';
import { codeFlowSetup, codeFlowTokens, postForm } from '../oauth-helpers.ts';
import { actors, CLIENT_INPUT, type Gql } from '../graphql/gql-helpers.ts';
import type { ClientRecord } from '../../src/oauth2/store.ts';
import { dpopKey, proof } from './dpop/proofs.ts';

const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const AT = 'urn:ietf:params:oauth:token-type:access_token';
const JWT = 'urn:ietf:params:oauth:token-type:jwt';
const API_A = 'https://a.example/api';
const API_B = 'https://b.example/api';
const JWT_C = 'https://c.example/';
const SHORT = 'https://short.example/';
const THIRTY = 'https://thirty.example/';
const OTHER = 'https://other.example/';

type Auth = { id: string; secret: string };
const payload = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
const header = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString()) as Record<string, unknown>;

const SET_POLICY = 'mutation($id: ID!, $p: TokenExchangePolicyInput) { setTokenExchangePolicy(id: $id, policy: $p) { clientId tokenExchangePolicy { audiences subjectAudiences impersonation delegation actorClients } } }';

describe('RFC 8693 token exchange', () => {
  let srv: TestServer;
  let a: Awaited<ReturnType<typeof actors>>;
  let svcA: Auth; let svcX: Auth; let noPolicy: Auth; let actor2: Auth; let stranger: Auth;

  async function exchange(auth: Auth, body: Record<string, string>) {
    const res = await postForm(`${srv.url}/o/token/`, { grant_type: GRANT, ...body }, auth);
    return { status: res.status, headers: res.headers, body: await res.json() as Record<string, any> };
  }
  const introspect = async (t: string, auth: Auth) => (await postForm(`${srv.url}/o/introspect/`, { token: t }, auth)).json() as Promise<Record<string, any>>;
  const clientCredentials = async (auth: Auth) => (await (await postForm(`${srv.url}/o/token/`, { grant_type: 'client_credentials', scope: 'read' }, auth)).json()).access_token as string;
  const idOf = async (clientId: string) => (await a.admin('query($c: String) { client(clientId: $c) { id } }', { c: clientId })).data.client.id as string;
  const setPolicy = async (gq: Gql, clientId: string, p: Record<string, unknown> | null) => gq(SET_POLICY, { id: await idOf(clientId), p });

  /** A user's token from the front-end client, for the resources named (code flow, consent page). */
  async function userToken(resource = API_A, scope = 'read') {
    const setup = await codeFlowSetup(srv, { allowedScopes: ['read', 'write'] });
    const tok = await codeFlowTokens(srv, setup, { resource, scope });
    return { access_token: tok.access_token, refresh_token: tok.refresh_token, expires_in: tok.expires_in, setup };
  }

  async function service(name: string): Promise<Auth> {
    const { client, clientSecret } = await srv.app.seed.client({ owner: a.root, name, grantTypes: ['client_credentials'], allowedScopes: ['read', 'write'] });
    return { id: (client as ClientRecord).clientId, secret: clientSecret! };
  }

  before(async () => {
    srv = await createTestApp();
    a = await actors(srv);
    const rs = srv.app.stores.resourceServers;
    await rs.create({ identifier: API_A, name: 'A', scopes: ['read', 'write'], accessTokenFormat: 'opaque', accessTokenTtl: null });
    await rs.create({ identifier: API_B, name: 'B', scopes: ['read', 'write'], accessTokenFormat: 'opaque', accessTokenTtl: null });
    await rs.create({ identifier: JWT_C, name: 'C', scopes: ['read'], accessTokenFormat: 'jwt', accessTokenTtl: null });
    await rs.create({ identifier: SHORT, name: 'short', scopes: ['read'], accessTokenFormat: 'opaque', accessTokenTtl: 1 });
    await rs.create({ identifier: THIRTY, name: 'thirty', scopes: ['read'], accessTokenFormat: 'opaque', accessTokenTtl: 30 });
    await rs.create({ identifier: OTHER, name: 'other', scopes: ['read'], accessTokenFormat: 'opaque', accessTokenTtl: null });
    svcA = await service('API A backend');
    svcX = await service('API X backend');
    noPolicy = await service('no policy');
    actor2 = await service('second actor');
    stranger = await service('stranger');
    const ok = await setPolicy(a.admin, svcA.id, { audiences: [API_B, JWT_C, API_A], subjectAudiences: [API_A, SHORT, THIRTY], impersonation: true, delegation: true, actorClients: [actor2.id] });
    expect(ok.errors, JSON.stringify(ok.errors)).to.equal(undefined);
    expect(ok.data.setTokenExchangePolicy.tokenExchangePolicy.subjectAudiences).to.deep.equal([API_A, SHORT, THIRTY]);
    expect((await setPolicy(a.admin, svcX.id, { audiences: [API_B], subjectAudiences: [OTHER], impersonation: true, delegation: false })).errors).to.equal(undefined);
  });
  after(() => srv.close());

  describe('refusals (adversarial first)', () => {
    it('a client without a policy → unauthorized_client', async () => {
      const s = await userToken();
      const r = await exchange(noPolicy, { subject_token: s.access_token, subject_token_type: AT, resource: API_B });
      expect(r.status).to.equal(400);
      expect(r.body.error).to.equal('unauthorized_client');
      expect(r.headers.get('cache-control')).to.equal('no-store');
    });

    it('delegation when the policy allows only impersonation → unauthorized_client', async () => {
      const s = await userToken(OTHER);
      const r = await exchange(svcX, { subject_token: s.access_token, subject_token_type: AT, resource: API_B, actor_token: await clientCredentials(svcX), actor_token_type: AT });
      expect(r.body.error).to.equal('unauthorized_client');
    });

    it('scope escalation beyond the subject token → invalid_scope', async () => {
      const s = await userToken(API_A, 'read');
      const r = await exchange(svcA, { subject_token: s.access_token, subject_token_type: AT, resource: API_B, scope: 'read write' });
      expect(r.status).to.equal(400);
      expect(r.body.error).to.equal('invalid_scope');
    });

    it('an audience the policy does not allow, or an unknown one → invalid_target', async () => {
      const s = await userToken();
      expect((await exchange(svcA, { subject_token: s.access_token, subject_token_type: AT, resource: OTHER })).body.error).to.equal('invalid_target');
      expect((await exchange(svcA, { subject_token: s.access_token, subject_token_type: AT, audience: 'https://unknown.example/' })).body.error).to.equal('invalid_target');
      expect((await exchange(svcA, { subject_token: s.access_token, subject_token_type: AT, resource: srv.app.config.issuer })).body.error).to.equal('invalid_target');
    });

    it('a subject token issued for another resource server (or for Gatehouse itself, to another client) → invalid_request (RFC 8693 §2.2.2)', async () => {
      const forA = await userToken(API_A);
      const r = await exchange(svcX, { subject_token: forA.access_token, subject_token_type: AT, resource: API_B });
      expect(r.status).to.equal(400);
      expect(r.body.error).to.equal('invalid_request');
      const forGatehouse = await codeFlowTokens(srv, await codeFlowSetup(srv));
      expect((await exchange(svcA, { subject_token: forGatehouse.access_token, subject_token_type: AT, resource: API_B })).body.error).to.equal('invalid_request');
    });

    it('a revoked, expired, unknown or refresh subject token → invalid_request (RFC 8693 §2.2.2); refresh_token type → invalid_request', async () => {
      const s = await userToken();
      expect((await postForm(`${srv.url}/o/revoke_token/`, { token: s.access_token }, s.setup.auth)).status).to.equal(200);
      expect((await exchange(svcA, { subject_token: s.access_token, subject_token_type: AT, resource: API_B })).body.error).to.equal('invalid_request');
      const short = await userToken(SHORT);
      await new Promise((r) => setTimeout(r, 1100));
      expect((await exchange(svcA, { subject_token: short.access_token, subject_token_type: AT, resource: API_B })).body.error).to.equal('invalid_request');
      expect((await exchange(svcA, { subject_token: 'not-a-token', subject_token_type: AT, resource: API_B })).body.error).to.equal('invalid_request');
      const live = await userToken();
      expect((await exchange(svcA, { subject_token: live.refresh_token, subject_token_type: AT, resource: API_B })).body.error).to.equal('invalid_request');
      expect((await exchange(svcA, { subject_token: live.refresh_token, subject_token_type: 'urn:ietf:params:oauth:token-type:refresh_token', resource: API_B })).body.error).to.equal('invalid_request');
    });

    it('malformed requests → invalid_request (RFC 8693 §2.1)', async () => {
      const s = await userToken();
      const bodies: Record<string, string>[] = [
        { subject_token_type: AT },
        { subject_token: s.access_token },
        { subject_token: s.access_token, subject_token_type: 'urn:example:unknown' },
        { subject_token: s.access_token, subject_token_type: AT, actor_token: 'x' },
        { subject_token: s.access_token, subject_token_type: AT, actor_token_type: AT },
        { subject_token: s.access_token, subject_token_type: AT, requested_token_type: 'urn:ietf:params:oauth:token-type:refresh_token' },
        { subject_token: s.access_token, subject_token_type: 'urn:ietf:params:oauth:token-type:id_token' },
      ];
      for (const body of bodies) expect((await exchange(svcA, { resource: API_B, ...body })).body.error, JSON.stringify(body)).to.equal('invalid_request');
    });

    it('an actor token of a client the policy does not list, or a user\'s token as actor → invalid_request (RFC 8693 §2.2.2)', async () => {
      const s = await userToken();
      expect((await exchange(svcA, { subject_token: s.access_token, subject_token_type: AT, resource: API_B, actor_token: await clientCredentials(stranger), actor_token_type: AT })).body.error).to.equal('invalid_request');
      expect((await exchange(svcA, { subject_token: s.access_token, subject_token_type: AT, resource: API_B, actor_token: s.access_token, actor_token_type: AT })).body.error).to.equal('invalid_request');
    });
  });

  describe('admin API (privileges)', () => {
    it('a non-admin cannot set a policy, even on their own client → FORBIDDEN; nobody sees the policy but admins', async () => {
      const reg = await a.user('mutation($i: ClientInput!) { registerClient(input: $i) { client { id clientId } } }', { i: { ...CLIENT_INPUT, name: 'alice svc' } });
      expect(reg.errors, JSON.stringify(reg.errors)).to.equal(undefined);
      const own = reg.data.registerClient.client;
      const r = await a.user(SET_POLICY, { id: own.id, p: { audiences: [API_B], impersonation: true } });
      expect(r.errors?.[0].extensions.code).to.equal('FORBIDDEN');
      const seen = await a.user('query($id: ID) { client(id: $id) { tokenExchangePolicy { audiences } } }', { id: own.id });
      expect(seen.data.client.tokenExchangePolicy).to.equal(null);
      expect((await a.admin('query($id: ID) { client(id: $id) { tokenExchangePolicy { audiences } } }', { id: own.id })).data.client.tokenExchangePolicy).to.equal(null);
    });

    it('a dynamically registered client can never get one, even from an admin → FORBIDDEN', async () => {
      const owner = await srv.app.stores.clients.systemOwner();
      const dyn = await srv.app.stores.clients.create({ ...(await srv.app.stores.clients.findByClientId(stranger.id))!, clientId: 'dyn-client', secretHash: null, oauth1SecretSealed: null, ownerId: owner, registered: 'dynamic' });
      const r = await a.admin(SET_POLICY, { id: String(dyn.id), p: { audiences: [API_B], impersonation: true } });
      expect(r.errors?.[0].extensions.code).to.equal('FORBIDDEN');
    });

    it('every change is audited (client.token_exchange_changed), and null turns exchange off', async () => {
      const svc = await service('toggled');
      expect((await setPolicy(a.admin, svc.id, { audiences: [API_B], impersonation: true })).data.setTokenExchangePolicy.tokenExchangePolicy.audiences).to.deep.equal([API_B]);
      const off = await setPolicy(a.admin, svc.id, null);
      expect(off.data.setTokenExchangePolicy.tokenExchangePolicy).to.equal(null);
      const ev = await a.admin('query($c: String) { events(filter: { clientId: $c, types: ["client.token_exchange_changed"] }) { nodes { type } } }', { c: svc.id });
      expect(ev.data.events.nodes).to.have.length(2);
      const s = await userToken();
      expect((await exchange(svc, { subject_token: s.access_token, subject_token_type: AT, resource: API_B })).body.error).to.equal('unauthorized_client');
    });

    it('dynamic registration cannot ask for the grant type (RFC 7591 invalid_client_metadata)', async () => {
      const dyn = await createTestApp({ registration: 'open' });
      try {
        const res = await fetch(`${dyn.url}/o/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_types: [GRANT], token_endpoint_auth_method: 'client_secret_basic', redirect_uris: [] }) });
        expect(res.status).to.equal(400);
        expect((await res.json()).error).to.equal('invalid_client_metadata');
      } finally { await dyn.close(); }
    });

    it('a public client can never get one → FORBIDDEN', async () => {
      const { client } = await srv.app.seed.client({ owner: a.root, name: 'public', clientType: 'public', grantTypes: ['authorization_code'], redirectUris: ['https://client.example.com/cb'], allowedScopes: ['read'] });
      expect((await setPolicy(a.admin, (client as ClientRecord).clientId, { audiences: [API_B], impersonation: true })).errors?.[0].extensions.code).to.equal('FORBIDDEN');
    });

    it('invalid policies → BAD_USER_INPUT (unknown audience, Gatehouse as a subject audience, nothing allowed)', async () => {
      for (const p of [{ audiences: ['https://unknown.example/'], impersonation: true }, { audiences: [API_B], subjectAudiences: [srv.app.config.issuer], impersonation: true }, { audiences: [API_B] }]) {
        expect((await setPolicy(a.admin, stranger.id, p)).errors?.[0].extensions.code, JSON.stringify(p)).to.equal('BAD_USER_INPUT');
      }
    });
  });

  describe('impersonation', () => {
    it('a new token for the subject, for the target audience, with issued_token_type; introspection shows aud and scope, no act', async () => {
      const s = await userToken(API_A, 'read write');
      const r = await exchange(svcA, { subject_token: s.access_token, subject_token_type: AT, resource: API_B, scope: 'read' });
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      expect(r.body.issued_token_type).to.equal(AT);
      expect(r.body.token_type).to.equal('Bearer');
      expect(r.body.scope).to.equal('read');
      expect(r.body.refresh_token).to.equal(undefined);
      const i = await introspect(r.body.access_token, svcA);
      expect(i).to.include({ active: true, aud: API_B, scope: 'read', client_id: svcA.id });
      expect(i.act).to.equal(undefined);
      expect(i.sub).to.equal((await introspect(s.access_token, s.setup.auth)).sub);
      const ev = await a.admin('query($c: String) { events(filter: { clientId: $c }) { nodes { type detail } } }', { c: svcA.id });
      expect(ev.data.events.nodes.some((e: { type: string; detail: string }) => e.type === 'token.issued' && e.detail.includes(GRANT))).to.equal(true);
    });

    it('the exchanged token never outlives the subject token', async () => {
      const s = await userToken(THIRTY);
      expect(Number(s.expires_in)).to.be.at.most(30);
      const r = await exchange(svcA, { subject_token: s.access_token, subject_token_type: AT, resource: API_B });
      expect(r.status).to.equal(200);
      expect(r.body.expires_in).to.be.at.most(30);
      const [sub, ex] = [await introspect(s.access_token, s.setup.auth), await introspect(r.body.access_token, svcA)];
      expect(ex.exp).to.be.at.most(sub.exp);
    });

    it('revoking the subject grant (or its refresh token) revokes the derived tokens', async () => {
      const s = await userToken();
      const r = await exchange(svcA, { subject_token: s.access_token, subject_token_type: AT, resource: API_B });
      expect((await introspect(r.body.access_token, svcA)).active).to.equal(true);
      expect((await postForm(`${srv.url}/o/revoke_token/`, { token: s.refresh_token, token_type_hint: 'refresh_token' }, s.setup.auth)).status).to.equal(200);
      expect((await introspect(r.body.access_token, svcA)).active).to.equal(false);

      const s2 = await userToken();
      const r2 = await exchange(svcA, { subject_token: s2.access_token, subject_token_type: AT, resource: API_B });
      const g = await a.admin('query($c: ID) { grants(clientId: $c) { nodes { id } } }', { c: await idOf(s2.setup.client.clientId) });
      const rev = await a.admin('mutation($id: ID!) { revokeGrant(id: $id) { revokedTokens } }', { id: g.data.grants.nodes[0].id });
      expect(rev.errors).to.equal(undefined);
      expect((await introspect(r2.body.access_token, svcA)).active).to.equal(false);
    });
  });

  describe('revoking the subject token (RFC 7009, RFC 8693)', () => {
    it('revoking the subject access token ends every token exchanged from it, down the chain: inactive at introspection, refused at resources; the rest of the grant lives', async () => {
      const s = await userToken();
      const first = await exchange(svcA, { subject_token: s.access_token, subject_token_type: AT, resource: API_B });
      const second = await exchange(svcA, { subject_token: first.body.access_token, subject_token_type: AT, resource: JWT_C, scope: 'read', requested_token_type: JWT });
      // Another access token of the same grant and family (a refresh), and a token exchanged from it.
      const refreshed = await (await postForm(`${srv.url}/o/token/`, { grant_type: 'refresh_token', refresh_token: s.refresh_token }, s.setup.auth)).json() as Record<string, string>;
      const sibling = await exchange(svcA, { subject_token: refreshed.access_token, subject_token_type: AT, resource: API_B });
      for (const r of [first, second, sibling]) expect(r.status, JSON.stringify(r.body)).to.equal(200);

      const koa = new Koa();
      koa.use(async (ctx, next) => { try { await next(); } catch (e) { const err = e as { status: number; error: string }; ctx.status = err.status; ctx.body = { error: err.error }; } });
      koa.use(srv.app.requireToken({ resource: API_B }));
      koa.use((ctx) => { ctx.body = 'ok'; });
      const rs = await serveKoa(koa);
      try {
        const atB = async (token: string) => (await fetch(rs.base, { headers: { authorization: `Bearer ${token}` } })).status;
        expect(await atB(first.body.access_token)).to.equal(200);

        const revoked = await postForm(`${srv.url}/o/revoke_token/`, { token: s.access_token, token_type_hint: 'access_token' }, s.setup.auth);
        expect(revoked.status).to.equal(200);
        expect((await introspect(s.access_token, s.setup.auth)).active).to.equal(false);
        expect(await introspect(first.body.access_token, svcA)).to.deep.equal({ active: false });
        expect(await introspect(second.body.access_token, svcA)).to.deep.equal({ active: false });
        expect(await atB(first.body.access_token)).to.equal(401);
        // RFC 8693 §2.2.2: a revoked token cannot be exchanged again either.
        expect((await exchange(svcA, { subject_token: first.body.access_token, subject_token_type: AT, resource: API_B })).body.error).to.equal('invalid_request');

        // Only what came from the revoked token: the refreshed token, its exchange and the refresh token live on.
        expect((await introspect(refreshed.access_token, s.setup.auth)).active).to.equal(true);
        expect((await introspect(sibling.body.access_token, svcA)).active).to.equal(true);
        expect(await atB(sibling.body.access_token)).to.equal(200);
        expect((await introspect(refreshed.refresh_token, s.setup.auth)).active).to.equal(true);
      } finally { rs.close(); }
    });

    it('a revocation racing 30 exchanges of the same subject token (after 3 done) misses none of the tokens issued', async () => {
      const s = await userToken();
      const one = () => exchange(svcA, { subject_token: s.access_token, subject_token_type: AT, resource: API_B });
      const settled = await Promise.all(Array.from({ length: 3 }, one));
      const early = Array.from({ length: 15 }, one);
      const revoked = postForm(`${srv.url}/o/revoke_token/`, { token: s.access_token }, s.setup.auth);
      const late = Array.from({ length: 15 }, one);
      expect((await revoked).status).to.equal(200);
      const results = [...settled, ...await Promise.all([...early, ...late])];
      // Each exchange either lost (invalid_request: the subject was revoked) or issued a token the revocation reached.
      for (const r of results) expect(r.status === 200 || r.body.error === 'invalid_request', JSON.stringify(r.body)).to.equal(true);
      const issued = results.filter((r) => r.status === 200);
      expect(issued.length).to.be.at.least(3);
      for (const r of issued) expect(await introspect(r.body.access_token, svcA), 'an exchanged token outlived its revoked subject').to.deep.equal({ active: false });
    });

    it('the admin API\'s revokeToken on a subject access token follows the same link (one rule in the store)', async () => {
      const s = await userToken();
      const r = await exchange(svcA, { subject_token: s.access_token, subject_token_type: AT, resource: API_B });
      const list = await a.admin('query($c: ID) { tokens(filter: { clientId: $c, kind: ACCESS }) { nodes { id } } }', { c: await idOf(s.setup.client.clientId) });
      const rev = await a.admin('mutation($id: ID!) { revokeToken(id: $id) { revokedTokens } }', { id: list.data.tokens.nodes[0].id });
      expect(rev.errors, JSON.stringify(rev.errors)).to.equal(undefined);
      expect(rev.data.revokeToken.revokedTokens).to.equal(2);
      expect((await introspect(s.access_token, s.setup.auth)).active).to.equal(false);
      expect((await introspect(r.body.access_token, svcA)).active).to.equal(false);
    });
  });

  describe('delegation (RFC 8693 §4.1 act)', () => {
    it('the token carries act {sub: actor}; an exchange of it nests the previous actor; introspection and JWTs show act', async () => {
      const s = await userToken();
      const r = await exchange(svcA, { subject_token: s.access_token, subject_token_type: AT, resource: API_B, actor_token: await clientCredentials(svcA), actor_token_type: AT });
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      const i = await introspect(r.body.access_token, svcA);
      expect(i.act).to.deep.equal({ sub: svcA.id });
      expect(i.aud).to.equal(API_B);

      // The delegated token is svcA's own: it may exchange it again, with another (listed) actor, for a JWT.
      const n = await exchange(svcA, { subject_token: r.body.access_token, subject_token_type: AT, resource: JWT_C, scope: 'read', actor_token: await clientCredentials(actor2), actor_token_type: AT, requested_token_type: JWT });
      expect(n.status, JSON.stringify(n.body)).to.equal(200);
      expect(n.body.issued_token_type).to.equal(JWT);
      expect(header(n.body.access_token).typ).to.equal('at+jwt');
      const claims = payload(n.body.access_token);
      expect(claims.act).to.deep.equal({ sub: actor2.id, act: { sub: svcA.id } });
      expect(claims.aud).to.equal(JWT_C);
      expect(claims.client_id).to.equal(svcA.id);
      expect((await introspect(n.body.access_token, svcA)).act).to.deep.equal({ sub: actor2.id, act: { sub: svcA.id } });

      // Impersonating with a delegated token keeps its actor: a delegation is never laundered away.
      const imp = await exchange(svcA, { subject_token: r.body.access_token, subject_token_type: AT, resource: API_B });
      expect((await introspect(imp.body.access_token, svcA)).act).to.deep.equal({ sub: svcA.id });
    });
  });

  describe('ID Tokens as subject tokens (Gatehouse-signed, for the exchanging client)', () => {
    const IDT = 'urn:ietf:params:oauth:token-type:id_token';
    async function signedIn() {
      const setup = await codeFlowSetup(srv, { allowedScopes: ['openid', 'read', 'write'] });
      expect((await setPolicy(a.admin, setup.client.clientId, { audiences: [API_B], impersonation: true })).errors).to.equal(undefined);
      const tok = await codeFlowTokens(srv, setup, { scope: 'openid read', nonce: 'n1' });
      return { setup, idToken: tok.id_token, accessToken: tok.access_token };
    }

    it('the client trades its own ID Token for a token bounded by the user\'s grant; revoking the grant ends both', async () => {
      const { setup, idToken, accessToken } = await signedIn();
      const r = await exchange(setup.auth, { subject_token: idToken, subject_token_type: IDT, resource: API_B, scope: 'read' });
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      const i = await introspect(r.body.access_token, setup.auth);
      expect(i).to.include({ active: true, aud: API_B, scope: 'read', sub: (await introspect(accessToken, setup.auth)).sub });
      expect((await exchange(setup.auth, { subject_token: idToken, subject_token_type: IDT, resource: API_B, scope: 'write' })).body.error).to.equal('invalid_scope');
      const g = await a.admin('query($c: ID) { grants(clientId: $c) { nodes { id } } }', { c: await idOf(setup.client.clientId) });
      await a.admin('mutation($id: ID!) { revokeGrant(id: $id) { revokedTokens } }', { id: g.data.grants.nodes[0].id });
      expect((await introspect(r.body.access_token, setup.auth)).active).to.equal(false);
      expect((await exchange(setup.auth, { subject_token: idToken, subject_token_type: IDT, resource: API_B })).body.error).to.equal('invalid_request');
    });

    it('an ID Token from before its grant was revoked stays refused once the user consents again (attacker read 10, F2)', async () => {
      const { setup, idToken } = await signedIn();
      const g = await a.admin('query($c: ID) { grants(clientId: $c) { nodes { id } } }', { c: await idOf(setup.client.clientId) });
      await a.admin('mutation($id: ID!) { revokeGrant(id: $id) { revokedTokens } }', { id: g.data.grants.nodes[0].id });
      // The grant's next life starts a second later at least, as an ID Token's iat counts whole seconds.
      await new Promise((r) => setTimeout(r, 1_100));
      const again = await codeFlowTokens(srv, setup, { scope: 'openid read', nonce: 'n2' });
      expect((await exchange(setup.auth, { subject_token: idToken, subject_token_type: IDT, resource: API_B })).body.error, 'the old ID Token').to.equal('invalid_request');
      const fresh = await exchange(setup.auth, { subject_token: again.id_token, subject_token_type: IDT, resource: API_B, scope: 'read' });
      expect(fresh.status, JSON.stringify(fresh.body)).to.equal(200);
    });

    // Attacker read 11, F4: iat counts seconds, so with the revocation and the new consent in the ID Token's second
    // the old ID Token exchanged again (6 of 6).
    it('an ID Token from before its grant was revoked stays refused when the revocation and the new consent fall in its second', async () => {
      for (let attempt = 0; ; attempt++) {
        await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000)));
        const second = Math.floor(Date.now() / 1000);
        const { setup, idToken } = await signedIn();
        const g = await a.admin('query($c: ID) { grants(clientId: $c) { nodes { id } } }', { c: await idOf(setup.client.clientId) });
        await a.admin('mutation($id: ID!) { revokeGrant(id: $id) { revokedTokens } }', { id: g.data.grants.nodes[0].id });
        await codeFlowTokens(srv, setup, { scope: 'openid read', nonce: 'n2' });
        if (Math.floor(Date.now() / 1000) !== second && attempt < 4) continue; // not within one second: again
        expect((await exchange(setup.auth, { subject_token: idToken, subject_token_type: IDT, resource: API_B })).body.error, 'the old ID Token').to.equal('invalid_request');
        return;
      }
    });

    it('another client\'s ID Token, a forged one, an access JWT or an ID Token as actor → invalid_request', async () => {
      const { idToken } = await signedIn();
      expect((await exchange(svcA, { subject_token: idToken, subject_token_type: IDT, resource: API_B })).body.error).to.equal('invalid_request');
      const [h, p] = idToken.split('.');
      const forged = `${h}.${Buffer.from(JSON.stringify({ ...payload(idToken), sub: '1' })).toString('base64url')}.${idToken.split('.')[2]}`;
      expect(p).to.be.a('string');
      expect((await exchange(svcA, { subject_token: forged, subject_token_type: IDT, resource: API_B })).body.error).to.equal('invalid_request');
      const s = await userToken();
      const jwt = await exchange(svcA, { subject_token: s.access_token, subject_token_type: AT, resource: JWT_C, requested_token_type: JWT });
      expect((await exchange(svcA, { subject_token: jwt.body.access_token, subject_token_type: IDT, resource: API_B })).body.error).to.equal('invalid_request');
      expect((await exchange(svcA, { subject_token: s.access_token, subject_token_type: AT, resource: API_B, actor_token: idToken, actor_token_type: IDT })).body.error).to.equal('invalid_request');
    });
  });

  it('discovery lists the grant type', async () => {
    const meta = await (await fetch(`${srv.url}/.well-known/oauth-authorization-server`)).json() as { grant_types_supported: string[] };
    expect(meta.grant_types_supported).to.include(GRANT);
  });

  it('openid-client genericGrantRequest performs a token exchange', async () => {
    const s = await userToken();
    const config = await oidc.discovery(new URL(srv.app.config.issuer), svcA.id, svcA.secret, oidc.ClientSecretBasic(svcA.secret), { execute: [oidc.allowInsecureRequests] });
    const res = await oidc.genericGrantRequest(config, GRANT, { subject_token: s.access_token, subject_token_type: AT, resource: API_B, scope: 'read' });
    expect(res.issued_token_type).to.equal(AT);
    expect(res.token_type.toLowerCase()).to.equal('bearer');
    expect((await introspect(res.access_token, svcA)).aud).to.equal(API_B);
    const refused = await oidc.genericGrantRequest(config, GRANT, { subject_token: s.access_token, subject_token_type: AT, resource: OTHER }).then(() => null, (e: { error?: string }) => e);
    expect(refused?.error).to.equal('invalid_target');
  });

  describe('RFC 9449 DPoP (§5: a proof binds the token of every grant, extension grants included)', () => {
    const tokenUrl = () => `${srv.url}/o/token/`;
    const withProof = async (auth: Auth, body: Record<string, string>, key?: Awaited<ReturnType<typeof dpopKey>>) => {
      const res = await postForm(tokenUrl(), { grant_type: GRANT, ...body }, auth, key ? { DPoP: await proof(key, { htu: tokenUrl() }) } : undefined);
      return { status: res.status, body: await res.json() as Record<string, any> };
    };

    it('a proof binds the exchanged token: token_type DPoP, cnf.jkt at introspection', async () => {
      const s = await userToken();
      const k = await dpopKey();
      const r = await withProof(svcA, { subject_token: s.access_token, subject_token_type: AT, resource: API_B }, k);
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      expect(r.body.token_type).to.equal('DPoP');
      const seen = await introspect(r.body.access_token, svcA);
      expect(seen.active).to.equal(true);
      expect(seen.cnf).to.deep.equal({ jkt: k.jkt });
    });

    it('a DPoP-bound subject token is exchanged only with a proof of its key (not without one, not with another key)', async () => {
      const k = await dpopKey(), other = await dpopKey();
      const setup = await codeFlowSetup(srv, { allowedScopes: ['read', 'write'] });
      const bound = await codeFlowTokens(srv, setup, { resource: API_A, scope: 'read' }, async (u) => ({ DPoP: await proof(k, { htu: u }) }));
      expect(bound.token_type).to.equal('DPoP');
      const body = { subject_token: bound.access_token, subject_token_type: AT, resource: API_B };
      for (const key of [undefined, other]) {
        const r = await withProof(svcA, body, key);
        expect(r.status).to.equal(400);
        expect(r.body.error).to.equal('invalid_request');
        expect(r.body.error_description).to.match(/bound to a DPoP key/);
      }
      const ok = await withProof(svcA, body, k);
      expect(ok.status, JSON.stringify(ok.body)).to.equal(200);
      expect((await introspect(ok.body.access_token, svcA)).cnf).to.deep.equal({ jkt: k.jkt });
    });

    it('a DPoP-bound actor token likewise', async () => {
      const k = await dpopKey();
      const res = await postForm(tokenUrl(), { grant_type: 'client_credentials', scope: 'read' }, actor2, { DPoP: await proof(k, { htu: tokenUrl() }) });
      const actorToken = (await res.json()).access_token as string;
      const s = await userToken();
      const body = { subject_token: s.access_token, subject_token_type: AT, actor_token: actorToken, actor_token_type: AT, resource: API_B };
      const refused = await withProof(svcA, body);
      expect(refused.status).to.equal(400);
      expect(refused.body.error_description).to.match(/actor_token is bound to a DPoP key/);
      expect((await withProof(svcA, body, k)).status).to.equal(200);
    });
  });
});
