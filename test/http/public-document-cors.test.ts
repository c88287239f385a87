import { expect } from 'chai';
import { createTestApp, type TestServer } from '../helpers.ts';

// Browser-based clients read the public documents before they are registered, so before any origin is known: an MCP
// client (the MCP TypeScript SDK in a browser, e.g. MCP Inspector) sends MCP-Protocol-Version with each discovery
// request (MCP authorization 2025-06-18 / 2025-11-25), a header that makes the browser send a CORS preflight first.
// The documents carry no credentials and are the same for everyone, so any origin may read them (Fetch §3.2.5 `*`).
describe('CORS on the public discovery documents (RFC 8414, OpenID Connect Discovery, JWKS, RFC 9728)', () => {
  let t: TestServer;
  before(async () => { t = await createTestApp(); });
  after(() => t.close());

  const ORIGIN = 'http://localhost:6274'; // an origin no client registered
  const DOCS = ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration', '/.well-known/jwks.json', '/.well-known/oauth-protected-resource'];

  for (const path of DOCS) {
    it(`${path}: the preflight with MCP-Protocol-Version is allowed, and the GET readable from any origin, without credentials`, async () => {
      const pre = await fetch(t.url + path, { method: 'OPTIONS', headers: { origin: ORIGIN, 'access-control-request-method': 'GET', 'access-control-request-headers': 'mcp-protocol-version' } });
      expect(pre.status).to.equal(204);
      expect(pre.headers.get('access-control-allow-origin')).to.equal('*');
      expect(pre.headers.get('access-control-allow-headers')?.toLowerCase()).to.include('mcp-protocol-version');
      expect(pre.headers.get('access-control-allow-methods')).to.include('GET');
      expect(pre.headers.get('access-control-allow-credentials')).to.equal(null);
      const get = await fetch(t.url + path, { headers: { origin: ORIGIN, 'mcp-protocol-version': '2025-11-25' } });
      expect(get.status).to.equal(200);
      expect(get.headers.get('access-control-allow-origin')).to.equal('*');
      expect(get.headers.get('access-control-allow-credentials')).to.equal(null);
    });
  }

  it('the token endpoint keeps CORS per registered origin: an unknown origin gets none', async () => {
    const pre = await fetch(`${t.url}/o/token/`, { method: 'OPTIONS', headers: { origin: ORIGIN, 'access-control-request-method': 'POST' } });
    expect(pre.headers.get('access-control-allow-origin')).to.equal(null);
  });

  it('a preflight asking for a malformed header list is not echoed', async () => {
    const pre = await fetch(`${t.url}/.well-known/oauth-authorization-server`, { method: 'OPTIONS', headers: { origin: ORIGIN, 'access-control-request-method': 'GET', 'access-control-request-headers': 'x;y' } });
    expect(pre.headers.get('access-control-allow-headers')).to.equal(null);
  });
});
