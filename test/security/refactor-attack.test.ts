import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { createTestApp, type TestServer } from '../helpers.ts';

// The attacker's read of issue 18's reshaping (lanes, bearer parsing, client authentication, the settings schema):
// nothing high or medium; these five low findings, each written here first and seen failing.
const problemsOf = (env: Record<string, string>): string[] => {
  try { loadConfig(env); } catch (e) { if (e instanceof ConfigError) return e.problems; throw e; }
  return [];
};

describe('security: issue 18 attacker read, settings', () => {
  it('F1: ISSUER must be an http(s) URL without credentials (RFC 8414 §2), and an error never shows them', () => {
    for (const issuer of ['file:///etc/passwd', 'javascript:alert(1)', 'ftp://a.example']) {
      const problems = problemsOf({ ISSUER: issuer });
      expect(problems, issuer).to.have.length(1);
      expect(problems[0]).to.match(/^ISSUER must /);
    }
    const problems = problemsOf({ ISSUER: 'http://u:S3cretPW@a.example' });
    expect(problems).to.have.length(1);
    expect(problems[0]).to.match(/^ISSUER must /);
    expect(problems[0]).not.to.include('S3cretPW');
  });

  it('F2: an unparsable DATABASE_URL or REDIS_URL is named, its secret not shown', () => {
    for (const [name, value] of [['DATABASE_URL', 'postgres://user:S3cretPW@[bad/db'], ['REDIS_URL', 'redis://u:S3cretPW@[bad']]) {
      const problems = problemsOf({ [name]: value });
      expect(problems, name).to.have.length(1);
      expect(problems[0].startsWith(`${name} must `), problems[0]).to.equal(true);
      expect(problems[0]).not.to.include('S3cretPW');
    }
  });

  it('F5: a throttle limit of 0 (which would refuse everyone) is refused', () => {
    for (const name of ['CLIENT_AUTH_FAILURE_LIMIT', 'LOGIN_LIMIT_PER_IP', 'LOGIN_LIMIT_PER_USERNAME', 'LOGIN_LIMIT_PER_USERNAME_ALL_SOURCES']) {
      const problems = problemsOf({ [name]: '0' });
      expect(problems, name).to.have.length(1);
      expect(problems[0].startsWith(`${name} must `), problems[0]).to.equal(true);
    }
  });
});

describe('security: issue 18 attacker read, lanes', () => {
  let srv: TestServer;
  before(async () => { srv = await createTestApp(); });
  after(async () => { await srv.close(); });

  it('F3: a method a protocol endpoint does not serve answers a JSON error with Allow', async () => {
    for (const path of ['/o/token/', '/o/revoke_token/', '/healthz', '/api/hello']) {
      const res = await fetch(srv.url + path, { method: 'DELETE' });
      expect(res.status, path).to.equal(405);
      expect(res.headers.get('content-type'), path).to.match(/^application\/json/);
      expect((await res.json()).error, path).to.equal('method_not_allowed');
      expect(res.headers.get('allow'), path).to.match(/\b(GET|POST)\b/);
    }
  });

  it('F3: a method no route knows answers 501 in its lane: JSON for protocol endpoints, HTML for pages', async () => {
    const api = await fetch(srv.url + '/o/token/', { method: 'PROPFIND' });
    expect(api.status).to.equal(501);
    expect(api.headers.get('content-type')).to.match(/^application\/json/);
    const page = await fetch(srv.url + '/accounts/login/', { method: 'DELETE', headers: { accept: 'text/html' } });
    expect(page.status).to.equal(405);
    expect(page.headers.get('content-type')).to.match(/^text\/html/);
    expect(page.headers.get('x-frame-options')).to.equal('DENY');
  });

  it('F4: GraphiQL asked with a Bearer header is a page (frame protection), never HTML in the protocol lane', async () => {
    const res = await fetch(srv.url + '/graphql', { headers: { accept: 'text/html', authorization: 'Bearer' } });
    const type = res.headers.get('content-type') ?? '';
    if (type.startsWith('text/html')) expect(res.headers.get('x-frame-options')).to.equal('DENY');
    else expect(type).to.match(/^application\/(graphql-response\+)?json/);
  });
});
