import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/index.ts';
import { verifyClientSecret } from '../../src/oauth2/tokens.ts';
import { testDatabase, type TestDatabase } from '../database.ts';
import { gatehouse as run } from '../spawn-server.ts';
import { codeFlowSetup, codeFlowTokens } from '../oauth-helpers.ts';
import { scriptedRp } from '../backchannel-rp.ts';

describe('CLI (npm run gatehouse -- <command>)', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let db: TestDatabase;
  const gatehouse = (...args: string[]) => run(args, env);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-'));
    db = await testDatabase({ sqliteFile: join(dir, 'cli.sqlite'), empty: true });
    env = { ...process.env, ...db.env, NODE_ENV: 'development' };
  });
  after(async () => { rmSync(dir, { recursive: true, force: true }); await db.drop(); });

  it('migrate applies the migrations once', async () => {
    expect((await gatehouse('migrate')).stdout).to.match(/Applied \d+ migration/);
    expect((await gatehouse('migrate')).stdout).to.match(/No migrations to apply/);
  });

  it('createuser creates an admin whose printed password logs in', async () => {
    const { stdout } = await gatehouse('createuser', 'root', '--admin');
    const password = /Password \(shown once\): (\S+)/.exec(stdout)![1];
    const app = await createApp({ env: 'test', database: db.database });
    try {
      const user = await app.withContext(() => app.stores.users.findByUsername('root'));
      expect(user!.isAdmin).to.equal(true);
      const { authenticate } = await import('../../src/accounts/users.ts');
      expect(await app.withContext(() => authenticate(app.stores.users, 'root', password))).to.not.equal(null);
    } finally { await app.close(); }
  });

  it('createuser refuses a taken username with exit code 1', async () => {
    try { await gatehouse('createuser', 'root'); expect.fail('should fail'); } catch (e) { expect((e as { code: number }).code).to.equal(1); }
  });

  it('updateuser sets profile claims and verified marks, and refuses invalid values with exit code 1', async () => {
    const { stdout } = await gatehouse('updateuser', 'root', '--given-name', 'Ada', '--phone-number', '+33612345678', '--phone-number-verified', 'true', '--address-country', 'FR', '--email', 'root@example.com', '--email-verified', 'true');
    expect(stdout).to.match(/Updated/);
    try { await gatehouse('updateuser', 'root', '--website', 'ftp://x.example'); expect.fail('should fail'); } catch (e) { expect((e as { code: number }).code).to.equal(1); }
    const app = await createApp({ env: 'test', database: db.database });
    try {
      const user = await app.withContext(() => app.stores.users.findByUsername('root'));
      expect(user!.profile).to.deep.equal({ given_name: 'Ada', phone_number: '+33612345678', phone_number_verified: true, address: { country: 'FR' } });
      expect(user!.emailVerified).to.equal(true);
    } finally { await app.close(); }
  });

  it('createclient prints client_id and a secret that verifies against the stored hash', async () => {
    const { stdout } = await gatehouse('createclient', '--name', 'CLI app', '--owner', 'root', '--grant-types', 'authorization-code,client-credentials', '--redirect-uris', 'https://cli.example/cb', '--oauth1');
    const clientId = /client_id: (\S+)/.exec(stdout)![1];
    const secret = /client_secret: (\S+)/.exec(stdout)![1];
    const app = await createApp({ env: 'test', database: db.database });
    try {
      const client = await app.withContext(() => app.stores.clients.findByClientId(clientId));
      expect(client!.grantTypes).to.deep.equal(['authorization_code', 'client_credentials']);
      // --oauth1: the same secret signs OAuth 1 requests, so a sealed copy exists (never the plain secret).
      expect(client!.oauth1Enabled).to.equal(true);
      const consumer = await app.stores.oauth1.findConsumer(clientId);
      expect(consumer!.consumerSecret).to.equal(secret);
      const row = (await app.orm.em.getConnection().execute('select oauth1_secret_sealed from applications where client_id = ?', [clientId]))[0];
      expect(row.oauth1_secret_sealed).to.be.a('string').and.not.include(secret);
      expect(verifyClientSecret(secret, client!.secretHash!, app.config.secretPepper)).to.equal(true);
    } finally { await app.close(); }
  });

  it('createclient --auth-method private_key_jwt --jwks-uri --auth-signing-alg --request-uris stores them; without keys it is refused', async () => {
    const { stdout } = await gatehouse('createclient', '--name', 'PK app', '--owner', 'root', '--grant-types', 'client-credentials', '--auth-method', 'private_key_jwt',
      '--jwks-uri', 'https://cli.example/jwks.json', '--auth-signing-alg', 'ES256', '--request-uris', 'https://cli.example/r1.jwt,https://cli.example/r2.jwt');
    const clientId = /client_id: (\S+)/.exec(stdout)![1];
    const app = await createApp({ env: 'test', database: db.database });
    let c;
    try { c = (await app.withContext(() => app.stores.clients.findByClientId(clientId)))!; } finally { await app.close(); }
    expect(c).to.deep.include({ tokenEndpointAuthMethod: 'private_key_jwt', jwksUri: 'https://cli.example/jwks.json', tokenEndpointAuthSigningAlg: 'ES256', requestUris: ['https://cli.example/r1.jwt', 'https://cli.example/r2.jwt'] });
    try { await gatehouse('createclient', '--name', 'No keys', '--owner', 'root', '--grant-types', 'client-credentials', '--auth-method', 'private_key_jwt'); expect.fail('should fail'); } catch (e) { expect((e as { code: number }).code).to.equal(1); }
  });

  it('createclient --access-token-format jwt --id-token-alg EdDSA sets both; none is refused', async () => {
    const { stdout } = await gatehouse('createclient', '--name', 'OIDC app', '--owner', 'root', '--redirect-uris', 'https://cli.example/cb', '--access-token-format', 'jwt', '--id-token-alg', 'EdDSA');
    const clientId = /client_id: (\S+)/.exec(stdout)![1];
    const app = await createApp({ env: 'test', database: db.database });
    try {
      const client = await app.withContext(() => app.stores.clients.findByClientId(clientId));
      expect(client).to.include({ accessTokenFormat: 'jwt', idTokenSignedResponseAlg: 'EdDSA' });
    } finally { await app.close(); }
    try { await gatehouse('createclient', '--name', 'Unsigned', '--owner', 'root', '--redirect-uris', 'https://cli.example/cb', '--id-token-alg', 'none'); expect.fail('should fail'); } catch (e) { expect((e as { code: number }).code).to.equal(1); }
  });

  it('createclient --access-token-lifetime and friends set the client\'s lifetimes; above the maximum is refused by name (issue 21)', async () => {
    const { stdout } = await gatehouse('createclient', '--name', 'Short-lived', '--owner', 'root', '--redirect-uris', 'https://cli.example/cb', '--access-token-lifetime', '300', '--authorization-code-lifetime', '30');
    const clientId = /client_id: (\S+)/.exec(stdout)![1];
    const app = await createApp({ env: 'test', database: db.database });
    try {
      const client = await app.withContext(() => app.stores.clients.findByClientId(clientId));
      expect(client).to.include({ accessTokenLifetime: 300, refreshTokenLifetime: null, authorizationCodeLifetime: 30 });
    } finally { await app.close(); }
    try { await gatehouse('createclient', '--name', 'Too long', '--owner', 'root', '--redirect-uris', 'https://cli.example/cb', '--authorization-code-lifetime', '601'); expect.fail('should fail'); } catch (e) {
      expect((e as { code: number }).code).to.equal(1);
      expect((e as { stderr: string }).stderr).to.match(/--authorization-code-lifetime: .*AUTHORIZATION_CODE_MAX_LIFETIME/);
    }
  });

  it('createclient --response-types gives hybrid and implicit response types (the operator acts as an administrator); one its grants lack is refused', async () => {
    const { stdout } = await gatehouse('createclient', '--name', 'Hybrid app', '--owner', 'root', '--redirect-uris', 'https://cli.example/cb', '--grant-types', 'authorization-code,implicit', '--response-types', 'code,code id_token,id_token');
    const clientId = /client_id: (\S+)/.exec(stdout)![1];
    const app = await createApp({ env: 'test', database: db.database });
    try {
      const client = await app.withContext(() => app.stores.clients.findByClientId(clientId));
      expect(client!.responseTypes).to.deep.equal(['code', 'code id_token', 'id_token']);
    } finally { await app.close(); }
    // OpenID Connect Registration §2: code id_token needs the implicit grant too.
    try { await gatehouse('createclient', '--name', 'Half', '--owner', 'root', '--redirect-uris', 'https://cli.example/cb', '--response-types', 'code id_token'); expect.fail('should fail'); } catch (e) { expect((e as { code: number }).code).to.equal(1); }
  });

  it('createclient --frontchannel-logout-uri (Front-Channel Logout §2): on a redirect URI\'s origin, or refused with exit code 1', async () => {
    const { stdout } = await gatehouse('createclient', '--name', 'FC app', '--owner', 'root', '--redirect-uris', 'https://cli.example/cb', '--frontchannel-logout-uri', 'https://cli.example/fc', '--frontchannel-logout-session-required');
    const clientId = /client_id: (\S+)/.exec(stdout)![1];
    const app = await createApp({ env: 'test', database: db.database });
    try {
      const client = await app.withContext(() => app.stores.clients.findByClientId(clientId));
      expect(client).to.include({ frontchannelLogoutUri: 'https://cli.example/fc', frontchannelLogoutSessionRequired: true });
    } finally { await app.close(); }
    try { await gatehouse('createclient', '--name', 'FC elsewhere', '--owner', 'root', '--redirect-uris', 'https://cli.example/cb', '--frontchannel-logout-uri', 'https://elsewhere.example/fc'); expect.fail('should fail'); } catch (e) { expect((e as { code: number }).code).to.equal(1); }
  });

  it('createclient --userinfo-alg ES256 --subject-type pairwise sets both; pairwise over two hosts without a sector is refused', async () => {
    const { stdout } = await gatehouse('createclient', '--name', 'Pairwise app', '--owner', 'root', '--redirect-uris', 'https://cli.example/cb', '--userinfo-alg', 'ES256', '--subject-type', 'pairwise');
    const clientId = /client_id: (\S+)/.exec(stdout)![1];
    const app = await createApp({ env: 'test', database: db.database });
    try {
      const client = await app.withContext(() => app.stores.clients.findByClientId(clientId));
      expect(client).to.include({ userinfoSignedResponseAlg: 'ES256', subjectType: 'pairwise', sectorIdentifierUri: null });
    } finally { await app.close(); }
    try { await gatehouse('createclient', '--name', 'Spread', '--owner', 'root', '--redirect-uris', 'https://a.example.com/cb,https://b.example.com/cb', '--subject-type', 'pairwise'); expect.fail('should fail'); } catch (e) { expect((e as { code: number; stderr: string }).code).to.equal(1); expect((e as { stderr: string }).stderr).to.match(/^--sector-identifier-uri: /m); }
  });

  it('createclient rejects invalid input with exit code 1', async () => {
    try { await gatehouse('createclient', '--name', 'Bad', '--owner', 'root', '--redirect-uris', 'javascript:alert(1)'); expect.fail('should fail'); } catch (e) { expect((e as { code: number }).code).to.equal(1); }
  });

  it('cleartokens deletes expired rows and keeps live ones, printing counts', async () => {
    const app = await createApp({ env: 'test', database: db.database });
    try {
      const conn = app.orm.em.getConnection();
      const now = Date.now();
      await conn.execute("insert into access_tokens (token_hash, application_id, scope, expires_at, created_at) values ('h1', 1, 'read', ?, ?), ('h2', 1, 'read', ?, ?)", [now - 1000, now, now + 3_600_000, now]);
      // Throttle windows kept in the database (no Redis): a sprayer's ended windows must not pile up (issue 17 #4).
      await conn.execute("insert into rate_limits (bucket, hits, reset_at) values ('ended', 3, ?), ('open', 1, ?)", [now - 1000, now + 900_000]);
    } finally { await app.close(); }
    const { stdout } = await gatehouse('cleartokens');
    expect(stdout).to.match(/access_tokens: 1 expired/);
    expect(stdout).to.match(/rate_limits: 1 expired/);
    const app2 = await createApp({ env: 'test', database: db.database });
    try {
      const rows = await app2.orm.em.getConnection().execute('select token_hash from access_tokens');
      expect(rows.map((r: { token_hash: string }) => r.token_hash)).to.deep.equal(['h2']);
      expect((await app2.orm.em.getConnection().execute('select bucket from rate_limits')).map((r: { bucket: string }) => r.bucket)).to.deep.equal(['open']);
    } finally { await app2.close(); }
  });

  it('rotatekeys refuses while the next key is newer than relying parties\' caches (exit 1, says when), unless --force', async () => {
    try { await gatehouse('rotatekeys'); expect.fail('should refuse'); } catch (e) {
      expect((e as { code: number }).code).to.equal(1);
      expect((e as { stderr: string }).stderr).to.match(/published \d+ s ago.*Rotate again in \d+ s.*--force/s);
    }
  });

  it('rotatekeys --force promotes each algorithm\'s next signing key and publishes a new one', async () => {
    const first = (await gatehouse('rotatekeys', '--force')).stdout;
    expect(first).to.match(/^RS256: current \S+, retired \S+, next \S+$/m);
    expect(first).to.match(/^ES256: /m);
    expect(first).to.match(/^EdDSA: /m);
    const next = /^RS256: .*next (\S+)$/m.exec(first)![1];
    const second = (await gatehouse('rotatekeys', '--force')).stdout;
    // The key published by the first rotation signs after the second.
    expect(/^RS256: current (\S+),/m.exec(second)![1]).to.equal(next);
  });

  it('setpassword, endsessions and deactivateuser end the browser sessions and send Back-Channel logout tokens before exiting', async () => {
    const rp = await scriptedRp([200]);
    const app = await createApp({ env: 'test', database: db.database, outboundAllowedHosts: ['127.0.0.1'] });
    const { url } = await app.listen(0, '127.0.0.1');
    const srv = { app, url, close: () => app.close() };
    const cliEnv = { OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' };
    try {
      const s = await codeFlowSetup(srv, { allowedScopes: ['openid'], backchannelLogoutUri: rp.url });
      const signIn = async (password: string) => { await s.browser.login(s.user.username, password); await codeFlowTokens(srv, s, { scope: 'openid' }); };
      await codeFlowTokens(srv, s, { scope: 'openid' });
      const steps: [string[], number][] = [[['setpassword', s.user.username, '--password', 'a brand new passphrase 42'], 1], [['endsessions', s.user.username], 2], [['deactivateuser', s.user.username], 3]];
      for (const [args, tokens] of steps) {
        const { stdout } = await run(args, { ...env, ...cliEnv });
        expect(stdout, args[0]).to.match(/Ended 1 login session/);
        // Delivered by the command itself, before it exited.
        expect(rp.tokens, args[0]).to.have.length(tokens);
        expect((await s.browser.get('/o/authorized_tokens/')).status, args[0]).to.equal(302);
        if (args[0] !== 'deactivateuser') await signIn('a brand new passphrase 42');
      }
      // The old password no longer works; the deactivated user cannot sign in at all.
      expect((await s.browser.login(s.user.username, 'a brand new passphrase 42')).status).to.equal(400);
    } finally { rp.server.close(); await app.close(); }
  });

  it('fails at start with a clear message on invalid configuration (exit 2)', async () => {
    try { await run(['migrate'], { ...env, PORT: 'abc' }); expect.fail('should fail'); } catch (e) {
      expect((e as { code: number }).code).to.equal(2);
      expect((e as { stderr: string }).stderr).to.match(/PORT/);
    }
  });
});
