import { expect } from 'chai';
import Koa from 'koa';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createTestApp, type TestServer } from '../helpers.ts';
import { authorizeThroughConsent, bothChallenges, codeFlowSetup, pkcePair, postForm } from '../oauth-helpers.ts';
import { scopeDescriptions } from '../../src/oauth2/scope.ts';
import { dpopKey, proof } from '../oauth2/dpop/proofs.ts';

const CB = 'https://client.example.com/cb';
const A = 'https://a.example/api';
const B = 'https://b.example/mcp';
const JWT_RS = 'https://jwt.example/';

const payload = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as Record<string, unknown>;

/** Authorization request with repeated `resource` parameters, through the consent page; returns the redirect. */
async function authorize(setup: Awaited<ReturnType<typeof codeFlowSetup>>, resources: string[], extra: Record<string, string> = {}) {
  const { verifier, challenge } = pkcePair();
  const q = new URLSearchParams({ response_type: 'code', client_id: setup.client.clientId, redirect_uri: CB, scope: 'read', state: 's1', code_challenge: challenge, code_challenge_method: 'S256', ...extra });
  for (const r of resources) q.append('resource', r);
  return { location: await authorizeThroughConsent(setup.browser, q), verifier };
}

async function token(srv: TestServer, body: Record<string, string | string[]>, auth: { id: string; secret: string }) {
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(body)) for (const x of Array.isArray(v) ? v : [v]) form.append(k, x);
  const res = await fetch(`${srv.url}/o/token/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${auth.id}:${auth.secret}`).toString('base64')}` }, body: form });
  return { status: res.status, body: await res.json() as Record<string, string> };
}

async function introspect(srv: TestServer, t: string, auth: { id: string; secret: string }) {
  return (await postForm(`${srv.url}/o/introspect/`, { token: t }, auth)).json() as Promise<Record<string, unknown>>;
}

describe('RFC 8707 resource indicators', () => {
  let srv: TestServer;
  before(async () => {
    srv = await createTestApp({ scopes: { ...scopeDescriptions(), 'a:read': 'Read A', 'mcp:tools': 'Use the tools', 'mcp:admin': 'Administer the tools' } });
    const rs = srv.app.stores.resourceServers;
    await rs.create({ identifier: A, name: 'A', scopes: ['read', 'a:read'], accessTokenFormat: 'opaque', accessTokenTtl: null });
    await rs.create({ identifier: B, name: 'MCP', scopes: ['mcp:tools', 'mcp:admin'], accessTokenFormat: 'opaque', accessTokenTtl: 600 });
    await rs.create({ identifier: JWT_RS, name: 'JWT RS', scopes: ['read'], accessTokenFormat: 'jwt', accessTokenTtl: null });
  });
  after(() => srv.close());

  const setupFor = () => codeFlowSetup(srv, { allowedScopes: ['read', 'write', 'a:read', 'mcp:tools'], grantTypes: ['authorization_code', 'client_credentials'] });

  describe('authorization endpoint errors (RFC 8707 §2, redirected with state and iss)', () => {
    for (const [name, resource] of [['unknown resource', 'https://unknown.example/'], ['relative URI', '/api'], ['fragment', `${A}#x`], ['not a URI', 'not a uri']] as const) {
      it(`${name} → invalid_target`, async () => {
        const setup = await setupFor();
        const { location } = await authorize(setup, [resource]);
        expect(location.origin + location.pathname).to.equal(CB);
        expect(location.searchParams.get('error')).to.equal('invalid_target');
        expect(location.searchParams.get('state')).to.equal('s1');
        expect(location.searchParams.get('code')).to.equal(null);
      });
    }

    it('a scope the resource does not take → invalid_target', async () => {
      const setup = await setupFor();
      const { location } = await authorize(setup, [B], { scope: 'read' });
      expect(location.searchParams.get('error')).to.equal('invalid_target');
    });

    it('a resource scope the client is not allowed (privileges: only an administrator allows scopes) → invalid_scope', async () => {
      const setup = await setupFor();
      const { location } = await authorize(setup, [B], { scope: 'mcp:admin' });
      expect(location.searchParams.get('error')).to.equal('invalid_scope');
    });
  });

  it('code flow: two resources, the token request narrows to one, refresh narrows to the other; aud in introspection', async () => {
    const setup = await setupFor();
    const { location, verifier } = await authorize(setup, [A, B], { scope: 'a:read mcp:tools' });
    const code = location.searchParams.get('code')!;
    expect(code).to.be.a('string');
    // The token request may not add a resource the authorization did not name.
    const widened = await token(srv, { grant_type: 'authorization_code', code, redirect_uri: CB, code_verifier: verifier, resource: [A, 'https://unknown.example/'] }, setup.auth);
    expect(widened.status).to.equal(400);
    expect(widened.body.error).to.equal('invalid_target');
    // Refused before the code was spent: it still works.
    const ok = await token(srv, { grant_type: 'authorization_code', code, redirect_uri: CB, code_verifier: verifier, resource: A }, setup.auth);
    expect(ok.status).to.equal(200);
    expect(ok.body.scope).to.equal('a:read');
    expect(await introspect(srv, ok.body.access_token, setup.auth)).to.include({ active: true, aud: A, scope: 'a:read' });

    const refreshedB = await token(srv, { grant_type: 'refresh_token', refresh_token: ok.body.refresh_token, resource: B }, setup.auth);
    expect(refreshedB.status).to.equal(200);
    expect(refreshedB.body.scope).to.equal('mcp:tools');
    // The MCP resource server's own lifetime.
    expect(refreshedB.body.expires_in).to.equal(600);
    expect(await introspect(srv, refreshedB.body.access_token, setup.auth)).to.include({ aud: B });

    const notGranted = await token(srv, { grant_type: 'refresh_token', refresh_token: refreshedB.body.refresh_token, resource: JWT_RS }, setup.auth);
    expect(notGranted.body.error).to.equal('invalid_target');
    // Without resource, the refresh is for every resource granted.
    const both = await token(srv, { grant_type: 'refresh_token', refresh_token: refreshedB.body.refresh_token }, setup.auth);
    expect(both.status).to.equal(200);
    expect((await introspect(srv, both.body.access_token, setup.auth)).aud).to.deep.equal([A, B]);
  });

  it('the resource server\'s token format wins: a jwt resource gets an RFC 9068 JWT with aud = the resource', async () => {
    const setup = await setupFor();
    const { location, verifier } = await authorize(setup, [JWT_RS]);
    const t = await token(srv, { grant_type: 'authorization_code', code: location.searchParams.get('code')!, redirect_uri: CB, code_verifier: verifier }, setup.auth);
    expect(t.status).to.equal(200);
    expect(t.body.access_token.split('.')).to.have.length(3);
    const claims = payload(t.body.access_token);
    expect(claims.aud).to.equal(JWT_RS);
    expect(claims.iss).to.equal(srv.app.config.issuer);
  });

  // Fresh-eyes 11: without a resource the token was for "issuer", while RFC 9728 metadata and discovery's
  // protected_resources name Gatehouse's APIs "issuer/": a resource server taking its audience from the metadata
  // (oauth4webapi's validateJwtAccessToken) refused every such token. One identifier, the one the metadata publishes.
  it('JWT aud lists several resources; without resource it is Gatehouse\'s own APIs, as their RFC 9728 metadata names them', async () => {
    const setup = await codeFlowSetup(srv, { allowedScopes: ['read', 'a:read'], grantTypes: ['client_credentials'], accessTokenFormat: 'jwt' });
    const two = await token(srv, { grant_type: 'client_credentials', scope: 'read', resource: [A, JWT_RS] }, setup.auth);
    expect(payload(two.body.access_token).aud).to.deep.equal([A, JWT_RS]);
    const none = await token(srv, { grant_type: 'client_credentials', scope: 'read' }, setup.auth);
    const metadata = await (await fetch(`${srv.url}/.well-known/oauth-protected-resource`)).json() as { resource: string };
    expect(payload(none.body.access_token).aud).to.equal(metadata.resource);
    const asked = await token(srv, { grant_type: 'client_credentials', scope: 'read', resource: metadata.resource }, setup.auth);
    expect(payload(asked.body.access_token).aud, 'asked for by that identifier').to.equal(metadata.resource);
  });

  describe('client_credentials', () => {
    it('audience-restricted token; each RFC 8707 §2 error', async () => {
      const setup = await setupFor();
      const t = await token(srv, { grant_type: 'client_credentials', scope: 'mcp:tools', resource: B }, setup.auth);
      expect(t.status).to.equal(200);
      expect(await introspect(srv, t.body.access_token, setup.auth)).to.include({ active: true, aud: B, scope: 'mcp:tools' });
      for (const resource of ['https://unknown.example/', 'relative', `${B}#frag`]) {
        const bad = await token(srv, { grant_type: 'client_credentials', scope: 'mcp:tools', resource }, setup.auth);
        expect(bad.status, resource).to.equal(400);
        expect(bad.body.error, resource).to.equal('invalid_target');
      }
      const wrongScope = await token(srv, { grant_type: 'client_credentials', scope: 'read', resource: B }, setup.auth);
      expect(wrongScope.body.error).to.equal('invalid_target');
      // No scope asked: the defaults narrowed to what the resource takes.
      const defaults = await token(srv, { grant_type: 'client_credentials', resource: A }, setup.auth);
      expect(defaults.status).to.equal(200);
      expect(defaults.body.scope).to.equal('read');
    });

    it('without resource the token is for Gatehouse\'s own APIs: introspection\'s aud names them as its JWT and RFC 9728 metadata do (attacker read 13A, L1)', async () => {
      const setup = await setupFor();
      const t = await token(srv, { grant_type: 'client_credentials', scope: 'read' }, setup.auth);
      expect(await introspect(srv, t.body.access_token, setup.auth)).to.include({ aud: `${srv.app.config.issuer}/` });
    });
  });

  describe('audience restriction at resource servers (requireToken({ resource }))', () => {
    let rs: Server;
    let rsUrl: string;
    before(async () => {
      const app = new Koa();
      app.use(srv.app.protectedResourceMetadata({ resource: `${B}`, scopesSupported: ['mcp:tools'] }));
      app.use(srv.app.requireToken({ resource: B, resourceMetadata: 'https://b.example/.well-known/oauth-protected-resource/mcp' }));
      app.use((ctx) => { ctx.body = { ok: true }; });
      rs = app.listen(0, '127.0.0.1');
      await new Promise((r) => rs.once('listening', r));
      rsUrl = `http://127.0.0.1:${(rs.address() as AddressInfo).port}`;
    });
    after(() => new Promise((r) => rs.close(r)));

    it('a token for resource A is refused by the resource server of B (invalid_token, resource_metadata)', async () => {
      const setup = await setupFor();
      const forA = await token(srv, { grant_type: 'client_credentials', scope: 'a:read', resource: A }, setup.auth);
      const res = await fetch(`${rsUrl}/mcp`, { headers: { authorization: `Bearer ${forA.body.access_token}` } });
      expect(res.status).to.equal(401);
      expect(res.headers.get('www-authenticate')).to.equal('Bearer realm="gatehouse", error="invalid_token", error_description="The access token is not meant for this resource.", resource_metadata="https://b.example/.well-known/oauth-protected-resource/mcp"');
      const forB = await token(srv, { grant_type: 'client_credentials', scope: 'mcp:tools', resource: B }, setup.auth);
      expect((await fetch(`${rsUrl}/mcp`, { headers: { authorization: `Bearer ${forB.body.access_token}` } })).status).to.equal(200);
      // A token asked for without resource is Gatehouse's own, not B's.
      const plain = await token(srv, { grant_type: 'client_credentials', scope: 'read' }, setup.auth);
      expect((await fetch(`${rsUrl}/mcp`, { headers: { authorization: `Bearer ${plain.body.access_token}` } })).status).to.equal(401);
    });

    it('RFC 9449 §4.3 check 9: a DPoP proof names the resource server\'s URL (its identifier\'s origin), not the issuer\'s', async () => {
      const setup = await setupFor();
      const k = await dpopKey();
      const tokenUrl = `${srv.url}/o/token/`;
      const res = await postForm(tokenUrl, { grant_type: 'client_credentials', scope: 'mcp:tools', resource: B }, setup.auth, { DPoP: await proof(k, { htu: tokenUrl }) });
      const at = (await res.json()).access_token as string;
      const call = async (htu: string) => fetch(`${rsUrl}/mcp`, { headers: { authorization: `DPoP ${at}`, DPoP: await proof(k, { htm: 'GET', htu, accessToken: at }) } });
      expect((await call(B)).status).to.equal(200);
      const asIssuer = await call(`${new URL(srv.app.config.issuer).origin}/mcp`);
      expect(asIssuer.status).to.equal(401);
      expect(asIssuer.headers.get('www-authenticate')).to.contain('error="invalid_dpop_proof"');
    });

    it('no token: 401 with the resource_metadata parameter and no error (RFC 6750 §3, RFC 9728 §5.1)', async () => {
      const res = await fetch(`${rsUrl}/mcp`);
      expect(res.status).to.equal(401);
      expect(res.headers.get('www-authenticate')).to.equal(bothChallenges('realm="gatehouse", resource_metadata="https://b.example/.well-known/oauth-protected-resource/mcp"'));
    });

    it('the resource server\'s RFC 9728 document at its path-inserted well-known URL', async () => {
      const res = await fetch(`${rsUrl}/.well-known/oauth-protected-resource/mcp`);
      expect(res.status).to.equal(200);
      expect(await res.json()).to.deep.equal({ resource: B, authorization_servers: [srv.app.config.issuer], bearer_methods_supported: ['header'], scopes_supported: ['mcp:tools'] });
    });

    it('Gatehouse\'s own APIs refuse a token for another resource, and point at their metadata', async () => {
      const setup = await setupFor();
      const forB = await token(srv, { grant_type: 'client_credentials', scope: 'mcp:tools', resource: B }, setup.auth);
      const res = await fetch(`${srv.url}/api/hello`, { headers: { authorization: `Bearer ${forB.body.access_token}` } });
      expect(res.status).to.equal(401);
      const metadata = `${srv.app.config.issuer}/.well-known/oauth-protected-resource`;
      expect(res.headers.get('www-authenticate')).to.equal(`Bearer realm="gatehouse", error="invalid_token", error_description="The access token is not meant for this resource.", resource_metadata="${metadata}"`);
      const gql = await fetch(`${srv.url}/graphql`, { method: 'POST', headers: { authorization: `Bearer ${forB.body.access_token}`, 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ viewer { id } }' }) });
      expect(gql.status).to.equal(401);
      expect(gql.headers.get('www-authenticate')).to.equal(`Bearer realm="gatehouse", error="invalid_token", resource_metadata="${metadata}"`);
      // A token for the issuer as a resource works there.
      const own = await token(srv, { grant_type: 'client_credentials', scope: 'read', resource: srv.app.config.issuer }, setup.auth);
      expect(own.status).to.equal(200);
      expect((await fetch(`${srv.url}/api/hello`, { headers: { authorization: `Bearer ${own.body.access_token}` } })).status).to.equal(200);
    });
  });

  describe('RFC 9728 protected resource metadata of Gatehouse\'s own APIs', () => {
    it('the document, and the AS metadata lists the resource', async () => {
      const res = await fetch(`${srv.url}/.well-known/oauth-protected-resource`);
      expect(res.status).to.equal(200);
      const doc = await res.json() as Record<string, unknown>;
      const issuer = srv.app.config.issuer;
      expect(doc).to.deep.equal({
        resource: `${issuer}/`, authorization_servers: [issuer], bearer_methods_supported: ['header', 'body'],
        scopes_supported: ['read', 'write', 'openid', 'profile', 'email', 'address', 'phone', 'a:read', 'mcp:tools', 'mcp:admin'],
        resource_name: 'Gatehouse', resource_documentation: `${issuer}/`,
        // RFC 9728 §2 / RFC 9449: Gatehouse's own APIs take DPoP-bound tokens.
        dpop_signing_alg_values_supported: ['ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'],
      });
      const as = await (await fetch(`${srv.url}/.well-known/oauth-authorization-server`)).json() as Record<string, unknown>;
      expect(as.protected_resources).to.deep.equal([`${issuer}/`]);
      expect((await fetch(`${srv.url}/.well-known/oauth-protected-resource/other`)).status).to.equal(404);
    });

    it('401s of /api/* and /o/userinfo carry resource_metadata', async () => {
      const metadata = `${srv.app.config.issuer}/.well-known/oauth-protected-resource`;
      // UserInfo needs openid: its challenge names it (MCP 2025-11-25 scope selection; RFC 6750 §3).
      for (const [path, scope] of [['/api/hello', ''], ['/o/userinfo', 'scope="openid", ']]) {
        const res = await fetch(`${srv.url}${path}`);
        expect(res.status, path).to.equal(401);
        expect(res.headers.get('www-authenticate'), path).to.equal(bothChallenges(`realm="gatehouse", ${scope}resource_metadata="${metadata}"`));
      }
    });
  });
});
