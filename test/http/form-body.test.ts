import { expect } from 'chai';
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { createTestApp, type TestServer } from '../helpers.ts';
import { encodeBasicAuthorization } from '../../src/oauth2/client-auth.ts';
import { byteLimit } from '../../src/http/middleware/form-body.ts';

/** Sends raw bytes, so a test controls framing (chunked or not) and headers exactly. */
function raw(url: string, headers: Record<string, string>, chunks: (string | Buffer)[]): Promise<{ status: number; headers: Record<string, unknown>; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

describe('RFC 6749 §3.2 protocol request bodies (form-encoded)', () => {
  let srv: TestServer;
  let auth: string;
  beforeEach(async () => {
    srv = await createTestApp();
    const owner = await srv.app.seed.user({ username: 'owner' });
    const { client, clientSecret } = await srv.app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: [], allowedScopes: ['read'] });
    auth = encodeBasicAuthorization(client.clientId, clientSecret!);
  });
  afterEach(() => srv.close());
  const token = () => `${srv.url}/o/token/`;
  const form = { 'content-type': 'application/x-www-form-urlencoded' };

  it('reads a form sent in several chunks without Content-Length (chunked transfer coding)', async () => {
    const res = await raw(token(), { ...form, authorization: auth }, ['grant_type=client_', 'credentials&sc', 'ope=read']);
    expect(res.status).to.equal(200);
    expect(res.body.scope).to.equal('read');
    expect(res.headers['cache-control']).to.equal('no-store');
  });

  it('takes a charset parameter on the media type', async () => {
    const res = await raw(token(), { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8', authorization: auth }, ['grant_type=client_credentials']);
    expect(res.status).to.equal(200);
  });

  it('§3.1: a repeated parameter is invalid_request', async () => {
    const res = await raw(token(), { ...form, authorization: auth }, ['grant_type=client_credentials&scope=read&scope=read']);
    expect(res.status).to.equal(400);
    expect(res.body.error).to.equal('invalid_request');
  });

  it('a JSON body, or none, is invalid_request: the token endpoint takes forms only', async () => {
    const json = await raw(token(), { 'content-type': 'application/json', authorization: auth }, ['{"grant_type":"client_credentials"}']);
    expect([json.status, json.body.error]).to.deep.equal([400, 'invalid_request']);
    const broken = await raw(token(), { 'content-type': 'application/json', authorization: auth }, ['{"grant_type":']);
    expect([broken.status, broken.body.error]).to.deep.equal([400, 'invalid_request']);
    const none = await raw(token(), { authorization: auth, 'content-length': '0' }, []);
    expect([none.status, none.body.error]).to.deep.equal([400, 'invalid_request']);
  });

  it('a compressed body is refused with 415, a body over the limit with 413, before any token is made', async () => {
    const gz = await raw(token(), { ...form, 'content-encoding': 'gzip', authorization: auth }, [gzipSync('grant_type=client_credentials')]);
    expect([gz.status, gz.body.error]).to.deep.equal([415, 'invalid_request']);
    const chunk = 'a'.repeat(64 * 1024);
    const big = await raw(token(), { ...form, authorization: auth }, ['grant_type=client_credentials&x=', chunk, chunk]);
    expect([big.status, big.body.error]).to.deep.equal([413, 'invalid_request']);
    const rows = await srv.app.stores.sql.get<{ n: number }>('select count(*) as n from access_tokens');
    expect(rows!.n).to.equal(0);
  });

  it('reads the limit in koa-bodyparser notation', () => {
    expect(byteLimit('100kb')).to.equal(102_400);
    expect(byteLimit('1mb')).to.equal(1_048_576);
    expect(byteLimit(512)).to.equal(512);
    expect(() => byteLimit('lots')).to.throw(/not a size/);
  });
});
