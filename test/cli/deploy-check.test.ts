import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { createApp, type Gatehouse } from '../../src/app.ts';
import { resolveConfig, type ConfigOverrides } from '../../src/config.ts';
import { deployCheck, LEGACY_GRANT_TYPES, type DeployFacts, type DeployInput, type Finding } from '../../src/config/deploy-check.ts';
import { devDefaults } from '../../src/config/settings.ts';
import { gatherDeployFacts } from '../../src/storage/deploy-facts.ts';
import { dialectOf } from '../../src/storage/orm.ts';
import { parseKey, seal } from '../../src/oauth1/secret-box.ts';
import { createUser, setPassword } from '../../src/accounts/users.ts';
import { hashPassword } from '../../src/accounts/passwords.ts';
import { testDatabase, type TestDatabase } from '../database.ts';
import { MAIN, spawnServer, stopServer } from '../spawn-server.ts';

const DAY = 24 * 3600 * 1000;
const PRODUCTION: ConfigOverrides = {
  env: 'production', issuer: 'https://auth.example.com', trustProxy: true, sessionKeys: ['s'.repeat(40)], secretPepper: 'p'.repeat(40),
  encryptionKey: 'ab'.repeat(32), playground: false,
};
const NO_FACTS: DeployFacts = { pendingMigrations: [], initialPasswordAdmins: [], signingKeys: [], clientsWithGrants: [] };

/** A deployment with nothing to report, changed by `config` (the checks skipped: these are what the rules judge). */
function input(config: Partial<DeployInput['config']> = {}, facts: Partial<DeployFacts> = {}, now = Date.now()): DeployInput {
  return { config: { ...resolveConfig(PRODUCTION), ...config }, facts: { ...NO_FACTS, ...facts }, configProblems: [], now };
}
const ids = (found: Finding[]) => found.map((f) => f.id);

/** The facts of a real database, as `check --deploy` reads them. */
const factsOf = (app: Gatehouse) => gatherDeployFacts(app.orm, dialectOf(app.config), { devSealKey: parseKey(devDefaults.encryptionKeyValue), grantTypes: LEGACY_GRANT_TYPES });

describe('check --deploy', () => {
  describe('each rule, alone', () => {
    let app: Gatehouse;
    let devApp: Gatehouse;
    const dbs: TestDatabase[] = [];
    before(async () => {
      const [a, b] = [await testDatabase(), await testDatabase()];
      dbs.push(a, b);
      // Keys sealed under a production key, and (devApp) under the development default.
      app = await createApp({ env: 'test', database: a.database, encryptionKey: 'ab'.repeat(32) });
      devApp = await createApp({ env: 'test', database: b.database });
      await app.signingKeys.ensure();
      await devApp.signingKeys.ensure();
    });
    after(async () => { await app.close(); await devApp.close(); for (const d of dbs) await d.drop(); });

    it('a production deployment with nothing wrong (and a database migrated, keys fresh) has no finding', async () => {
      expect(deployCheck(input({}, await factsOf(app)))).to.deep.equal([]);
    });

    it('E000 a setting the start refuses', () => {
      const found = deployCheck({ ...input(), configProblems: ['PORT must be a whole number, got "x"'] });
      expect(ids(found)).to.deep.equal(['E000']);
      expect(found[0]).to.include({ severity: 'error' });
      expect(found[0].message).to.match(/PORT/);
      expect(found[0].fix).to.be.a('string').and.not.equal('');
    });

    it('E001 SESSION_KEYS the development default, or too short', () => {
      expect(ids(deployCheck(input({ sessionKeys: resolveConfig({ env: 'development' }).sessionKeys })))).to.deep.equal(['E001']);
      expect(ids(deployCheck(input({ sessionKeys: ['s'.repeat(40), 'short'] })))).to.deep.equal(['E001']);
    });

    it('E002 SECRET_PEPPER the development default', () => {
      expect(ids(deployCheck(input({ secretPepper: resolveConfig({ env: 'development' }).secretPepper })))).to.deep.equal(['E002']);
    });

    it('E003 ENCRYPTION_KEY the development default', () => {
      expect(ids(deployCheck(input({ encryptionKey: devDefaults.encryptionKeyValue })))).to.deep.equal(['E003']);
    });

    it('E004 signing keys made in development (sealed under the development ENCRYPTION_KEY) still sign', async () => {
      const facts = await factsOf(devApp);
      const found = deployCheck(input({}, facts));
      expect(ids(found)).to.deep.equal(['E004']);
      // Read from the database: each current and next key named.
      for (const k of facts.signingKeys!.filter((k) => k.status !== 'retired')) expect(found[0].message).to.include(k.kid);
    });

    it('E005 an http ISSUER', () => {
      expect(ids(deployCheck(input({ issuer: 'http://auth.example.com', trustProxy: false })))).to.deep.equal(['E005']);
    });

    it('E006 ALLOW_INSECURE_TRANSPORT on', () => {
      expect(ids(deployCheck(input({ allowInsecureTransport: true })))).to.deep.equal(['E006']);
    });

    it('E007 an https ISSUER (so a TLS proxy in front) with TRUST_PROXY off', () => {
      expect(ids(deployCheck(input({ trustProxy: false })))).to.deep.equal(['E007']);
    });

    it('E008 METRICS on without a METRICS_TOKEN of 32+ characters', () => {
      expect(ids(deployCheck(input({ metrics: { mode: 'on', token: undefined } })))).to.deep.equal(['E008']);
      expect(ids(deployCheck(input({ metrics: { mode: 'on', token: 'short' } })))).to.deep.equal(['E008']);
      expect(ids(deployCheck(input({ metrics: { mode: 'on', token: 't'.repeat(32) } })))).to.deep.equal([]);
    });

    it('W001 NODE_ENV other than production', () => {
      const found = deployCheck(input({ env: 'development' }));
      expect(ids(found)).to.deep.equal(['W001']);
      expect(found[0].severity).to.equal('warning');
    });

    it('W002 migrations pending in the database', async () => {
      const facts = await factsOf(app);
      expect(facts.pendingMigrations).to.deep.equal([]);
      const db = await testDatabase();
      const fresh = await createApp({ env: 'test', database: db.database });
      try {
        const [last] = await fresh.orm.em.getConnection().execute('select name from mikro_orm_migrations order by id desc limit 1') as { name: string }[];
        await fresh.orm.em.getConnection().execute(`delete from mikro_orm_migrations where name = '${last.name}'`);
        const found = deployCheck(input({}, { pendingMigrations: (await factsOf(fresh)).pendingMigrations }));
        expect(ids(found)).to.deep.equal(['W002']);
        expect(found[0].message).to.include(last.name.replace(/\.[jt]s$/, ''));
      } finally { await fresh.close(); await db.drop(); }
    });

    it('W003 the first admin\'s initial password never changed: set by the first start, kept by a rehash, gone with a new password', async () => {
      const { users } = app.stores;
      const r = await app.withContext(() => createUser(users, { username: 'first-admin', password: 'initial passphrase 1', isAdmin: true, initialPassword: true }));
      if (!r.ok) throw new Error('seed');
      let found = deployCheck(input({}, { initialPasswordAdmins: (await factsOf(app)).initialPasswordAdmins }));
      expect(ids(found)).to.deep.equal(['W003']);
      expect(found[0].message).to.include('first-admin');
      // A login's transparent rehash is the same password: still initial.
      await app.withContext(async () => users.setPasswordHash(r.user.id, await hashPassword('initial passphrase 1')));
      expect((await factsOf(app)).initialPasswordAdmins).to.deep.equal(['first-admin']);
      await app.withContext(() => setPassword(users, r.user.id, 'a changed passphrase 2'));
      found = deployCheck(input({}, { initialPasswordAdmins: (await factsOf(app)).initialPasswordAdmins }));
      expect(ids(found)).to.deep.equal([]);
    });

    it('W004 a current signing key older than SIGNING_KEY_MAX_AGE', async () => {
      const facts = await factsOf(app);
      const newest = Math.max(...facts.signingKeys!.map((k) => k.createdAt));
      expect(ids(deployCheck(input({ signingKeyMaxAge: 90 * 86400 }, facts, newest + 89 * DAY)))).to.deep.equal([]);
      const found = deployCheck(input({ signingKeyMaxAge: 90 * 86400 }, facts, newest + 91 * DAY));
      expect(ids(found)).to.deep.equal(['W004']);
      expect(found[0].message).to.match(/RS256/);
    });

    it('W005 open dynamic registration', () => {
      expect(ids(deployCheck(input({ registration: 'open' })))).to.deep.equal(['W005']);
      expect(ids(deployCheck(input({ registration: 'token' })))).to.deep.equal([]);
    });

    it('W006 a client allowed the implicit or password grant', async () => {
      const owner = await app.seed.user({ username: 'owner6' });
      const { client } = await app.seed.client({ owner, grantTypes: ['authorization_code', 'password'], redirectUris: ['https://app.example/cb'] });
      await app.seed.client({ owner, grantTypes: ['authorization_code', 'client_credentials'], redirectUris: ['https://app.example/cb'] });
      const facts = await factsOf(app);
      expect(facts.clientsWithGrants).to.deep.equal([{ clientId: client.clientId, grantTypes: ['password'] }]);
      const found = deployCheck(input({}, facts));
      expect(ids(found)).to.deep.equal(['W006']);
      expect(found[0].message).to.include(client.clientId);
    });

    it('W010 a client registered for HS384 or HS512 whose secret is too short for it (RFC 7518 §3.2), read off the sealed copy', async () => {
      const owner = await app.seed.user({ username: 'owner10' });
      const csjwt = (alg: string) => app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: [], tokenEndpointAuthMethod: 'client_secret_jwt', tokenEndpointAuthSigningAlg: alg });
      const [short, , hs256] = [(await csjwt('HS512')).client, (await csjwt('HS384')).client, (await csjwt('HS256')).client];
      // 43 characters, as secrets were issued before issue 22; the HS384 client keeps its 64-character one.
      const legacy = seal('s'.repeat(43), parseKey('ab'.repeat(32)));
      await app.stores.sql.run('update applications set oauth1_secret_sealed = ? where client_id in (?, ?)', [legacy, short.clientId, hs256.clientId]);
      const facts = await factsOf(app);
      expect(facts.shortSecretClients).to.deep.equal([{ clientId: short.clientId, alg: 'HS512', octets: 43 }]);
      const found = deployCheck(input({}, { shortSecretClients: facts.shortSecretClients }));
      expect(ids(found)).to.deep.equal(['W010']);
      expect(found[0]).to.include({ severity: 'warning' });
      expect(found[0].message).to.include(short.clientId);
    });

    it('W007 PLAYGROUND on: says who can open it (signed-in users: the playground asks for a login), not "anyone"', () => {
      const found = deployCheck(input({ playground: true }));
      expect(ids(found)).to.deep.equal(['W007']);
      expect(found[0].message).to.match(/signed-in user/).and.not.match(/anyone/);
    });

    it('W008 PKCE_ALLOW_PLAIN on', () => {
      expect(ids(deployCheck(input({ pkce: { allowPlain: true } })))).to.deep.equal(['W008']);
    });

    it('errors come before warnings', () => {
      expect(ids(deployCheck(input({ playground: true, allowInsecureTransport: true })))).to.deep.equal(['E006', 'W007']);
    });
  });

  describe('as a command, and before `serve` in production', () => {
    let dir: string;
    let db: TestDatabase;
    let env: NodeJS.ProcessEnv;
    const run = (args: string[], extra: NodeJS.ProcessEnv = {}, input = '') => new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, [MAIN, ...args], { env: { ...env, ...extra } }, (err, stdout, stderr) => resolve({ code: err ? (err as { code?: number }).code ?? null : 0, stdout, stderr }));
      child.stdin!.end(input);
    });
    const json = (stdout: string) => JSON.parse(stdout) as { ok: boolean; errors: number; warnings: number; findings: Finding[] };

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'gatehouse-deploy-'));
      db = await testDatabase({ sqliteFile: join(dir, 'd.sqlite') });
      env = {
        ...process.env, ...db.env, NODE_ENV: 'production', PORT: '0', HOST: '127.0.0.1', ISSUER: 'https://auth.example.com', TRUST_PROXY: 'true',
        SESSION_KEYS: 's'.repeat(40), SECRET_PEPPER: 'p'.repeat(40), ENCRYPTION_KEY: 'ab'.repeat(32), PLAYGROUND: 'off',
        ADMIN_USERNAME: 'admin', ADMIN_PASSWORD: 'initial admin passphrase 1', ALLOW_INSECURE_TRANSPORT: '', DEPLOY_CHECK: '', REGISTRATION: '', METRICS: '',
      };
      // A SQLite test file starts empty (W002 otherwise; PostgreSQL's is copied from a migrated template).
      expect((await run(['migrate'])).code).to.equal(0);
    });
    after(async () => { rmSync(dir, { recursive: true, force: true }); await db.drop(); });

    it('prints one line per finding and its fix, exits 1 on an error; reads default secrets as findings, not a refusal to run', async () => {
      const r = await run(['check', '--deploy'], { ALLOW_INSECURE_TRANSPORT: 'true', SESSION_KEYS: 'short', PLAYGROUND: 'on' });
      expect(r.code, r.stderr).to.equal(1);
      expect(r.stdout).to.match(/^E001 error: SESSION_KEYS/m).and.match(/^E006 error: /m).and.match(/^W007 warning: /m).and.match(/^ +fix: /m);
      expect(r.stdout).to.match(/2 error\(s\), 1 warning\(s\)/);
    });

    it('--json; exit 0 with warnings only', async () => {
      const r = await run(['check', '--deploy', '--json'], { PLAYGROUND: 'on' });
      expect(r.code, r.stderr).to.equal(0);
      expect(json(r.stdout)).to.deep.include({ ok: true, errors: 0, warnings: 1 });
      expect(json(r.stdout).findings[0]).to.have.keys('id', 'severity', 'message', 'fix');
    });

    it('judges a SQLite file that does not exist yet as every migration pending (W002), without creating it', async function () {
      if (db.env.DATABASE_URL) this.skip();
      const file = join(dir, 'not-yet.sqlite');
      const r = await run(['check', '--deploy', '--json'], { DB_FILE: file });
      expect(r.code, r.stderr).to.equal(0);
      expect(ids(json(r.stdout).findings)).to.deep.equal(['W002']);
      expect(existsSync(file)).to.equal(false);
    });

    it('serve refuses to start with an error, printing it (exit 1, never listening); DEPLOY_CHECK=warn starts anyway', async () => {
      let refused: Error | undefined;
      try { await stopServer(await spawnServer({ ...env, ALLOW_INSECURE_TRANSPORT: 'true' })); } catch (e) { refused = e as Error; }
      expect(refused?.message).to.match(/exited 1/).and.match(/E006 error: ALLOW_INSECURE_TRANSPORT/);
      const warned = await spawnServer({ ...env, ALLOW_INSECURE_TRANSPORT: 'true', DEPLOY_CHECK: 'warn' });
      expect(warned.stdout).to.match(/serving on http:/);
      expect(await stopServer(warned)).to.equal(0);
    });

    it('serve starts with warnings only; the first admin\'s initial password is W003 until changepassword', async () => {
      const server = await spawnServer({ ...env, PLAYGROUND: 'on' });
      try {
        expect(server.stdout).to.match(/serving on http:/);
        expect((await fetch(`${server.url}/.well-known/openid-configuration`)).status).to.equal(200);
      } finally {
        expect(await stopServer(server)).to.equal(0);
      }
      expect(ids(json((await run(['check', '--deploy', '--json'])).stdout).findings)).to.deep.equal(['W003']);
      expect((await run(['changepassword', 'admin'], {}, 'a new admin passphrase 2\n')).code).to.equal(0);
      const after = await run(['check', '--deploy', '--json']);
      expect(after.code).to.equal(0);
      expect(json(after.stdout).findings).to.deep.equal([]);
    });
  });
});
