import { strict as assert } from 'node:assert';
import { createApp } from '../../src/index.ts';
import { createLogger, requestScope } from '../../src/logger.ts';
import type { TestServer } from '../helpers.ts';
import { codeFlowSetup, getCode, postForm } from '../oauth-helpers.ts';

describe('logs: JSON lines through pino, with the request id and without secrets', () => {
  it('a flow\'s lines (captured by a destination stream) are JSON, name their request id, and hold none of the secrets used', async () => {
    const lines: string[] = [];
    const stream = { write: (s: string) => { lines.push(s); } };
    const app = await createApp({ env: 'development', database: { file: ':memory:' }, logRequests: true }, { logger: createLogger(stream) });
    const { url } = await app.listen(0, '127.0.0.1');
    const srv: TestServer = { app, url, close: () => app.close() };
    try {
      const s = await codeFlowSetup(srv);
      const { code, verifier } = await getCode(s);
      const rid = 'flow-request-0001';
      const res = await postForm(`${url}/o/token/`, { grant_type: 'authorization_code', code, redirect_uri: 'https://client.example.com/cb', code_verifier: verifier }, s.auth, { 'x-request-id': rid });
      assert.equal(res.status, 200);
      const t = await res.json() as Record<string, string>;
      const bad = await postForm(`${url}/o/token/`, { grant_type: 'client_credentials' }, { id: s.client.clientId, secret: 'wrong-secret-value' }, { 'x-request-id': 'flow-request-0002' });
      assert.equal(bad.status, 401);
      const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.ok(parsed.length > 3);
      for (const p of parsed) { assert.equal(typeof p.level, 'string'); assert.equal(typeof p.time, 'string'); }
      const tokenLine = parsed.find((p) => p.requestId === rid);
      assert.ok(tokenLine, 'the token request\'s line names its request id');
      assert.equal(tokenLine.path, '/o/token/');
      assert.equal(tokenLine.status, 200);
      assert.ok(parsed.filter((p) => p.msg === 'request').every((p) => typeof p.requestId === 'string'));
      const all = lines.join('');
      for (const secret of [s.secret!, s.user.password, code, verifier, t.access_token, t.refresh_token, 'wrong-secret-value']) assert.ok(!all.includes(secret), 'a secret was logged');
    } finally { await app.close(); }
  });

  it('redacts credentials, tokens, passwords and cookies should a caller pass them, at the top or one level down', () => {
    const lines: string[] = [];
    const log = createLogger((l) => lines.push(l));
    log.warn('oops', { client_secret: 's3cr3t-1', password: 'hunter2-x', code: 'code-abc', refresh_token: 'rt-xyz', headers: { authorization: 'Bearer at-123', cookie: 'gh=sess-1' }, body: { access_token: 'at-456', client_id: 'visible-id' } });
    const line = lines.join('');
    for (const secret of ['s3cr3t-1', 'hunter2-x', 'code-abc', 'rt-xyz', 'at-123', 'sess-1', 'at-456']) assert.ok(!line.includes(secret), `${secret} was logged`);
    const p = JSON.parse(line) as { level: string; msg: string; body: { client_id: string }; headers: { authorization: string } };
    assert.equal(p.level, 'warn');
    assert.equal(p.msg, 'oops');
    assert.equal(p.body.client_id, 'visible-id');
    assert.equal(p.headers.authorization, '[redacted]');
  });

  it('a line written anywhere during a request carries that request\'s id', () => {
    const lines: string[] = [];
    const log = createLogger((l) => lines.push(l));
    requestScope.run('scoped-req-42', () => log.error('deep inside'));
    log.info('outside');
    assert.equal((JSON.parse(lines[0]!) as { requestId: string }).requestId, 'scoped-req-42');
    assert.equal((JSON.parse(lines[1]!) as { requestId?: string }).requestId, undefined);
  });
});
