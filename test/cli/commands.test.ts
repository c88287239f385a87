import { expect } from 'chai';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, exportJWK } from 'jose';
import { createApp } from '../../src/index.ts';
import { REGISTRABLE_GRANT_TYPES } from '../../src/oauth2/grant-types.ts';
import { RESPONSE_TYPES } from '../../src/oauth2/response-types.ts';
import { MAX_REDIRECT_URIS } from '../../src/oauth2/client-registration.ts';
import { testDatabase, type TestDatabase } from '../database.ts';
import { MAIN } from '../spawn-server.ts';
import { Browser } from '../helpers.ts';

interface Run { code: number | null; stdout: string; stderr: string }

/** `gatehouse <args>` with `input` on its standard input (a pipe, not a terminal); never rejects. */
function gatehouse(args: string[], env: NodeJS.ProcessEnv, input = ''): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [MAIN, ...args], { env }, (err, stdout, stderr) => {
      resolve({ code: err ? (err as { code?: number }).code ?? null : 0, stdout, stderr });
    });
    child.stdin!.end(input);
  });
}

const COMMANDS = ['serve', 'check', 'migrate', 'cleartokens', 'rotatekeys', 'makemigrations', 'createuser', 'updateuser', 'changepassword', 'setpassword',
  'deactivateuser', 'endsessions', 'createclient', 'createinitialtoken', 'listinitialtokens', 'revokeinitialtoken', 'createresource', 'listresources', 'deleteresource', 'help'];

describe('CLI commands: help, changepassword, createclient\'s registry values', () => {
  let dir: string;
  let db: TestDatabase;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-commands-'));
    db = await testDatabase({ sqliteFile: join(dir, 'c.sqlite') });
    env = { ...process.env, ...db.env, NODE_ENV: 'development', GATEHOUSE_PASSWORD: '' };
    expect((await gatehouse(['createuser', 'bob', '--admin', '--password', 'first passphrase 1'], env)).code).to.equal(0);
  });
  after(async () => { rmSync(dir, { recursive: true, force: true }); await db.drop(); });

  describe('help', () => {
    it('no arguments prints the list of commands and exits 0 (no server starts)', async () => {
      const r = await gatehouse([], env);
      expect(r.code).to.equal(0);
      for (const c of COMMANDS) expect(r.stdout).to.match(new RegExp(`^  ${c} `, 'm'));
      expect(r.stdout).not.to.match(/serving on/);
    });

    it('every command answers --help with its usage and exit 0, the same as `help COMMAND`', async () => {
      // In-process for all (a process each would take a CPU-minute), as a process for one.
      const { main } = await import('../../src/cli/run.ts');
      const printed = async (args: string[]) => {
        let text = '';
        const write = process.stdout.write.bind(process.stdout);
        process.stdout.write = ((chunk: string) => { text += chunk; return true; }) as typeof write;
        try { return { code: await main(args), text }; } finally { process.stdout.write = write; }
      };
      for (const c of COMMANDS) {
        const flag = await printed([c, '--help']);
        expect(flag.code, c).to.equal(0);
        expect(flag.text, c).to.match(new RegExp(`^Usage: gatehouse ${c}\\b`));
        expect((await printed(['help', c])).text, c).to.equal(flag.text);
        expect((await printed([c, '-h'])).text, c).to.equal(flag.text);
      }
      const r = await gatehouse(['changepassword', '--help'], env);
      expect(r.code).to.equal(0);
      expect(r.stdout).to.match(/^Usage: gatehouse changepassword USERNAME/);
    });

    it('an unknown command, or help for one, exits 2 with the list on stderr; an unknown option exits 2 with the usage', async () => {
      for (const args of [['nope'], ['help', 'nope']]) {
        const r = await gatehouse(args, env);
        expect(r.code, args.join(' ')).to.equal(2);
        expect(r.stderr).to.match(/Unknown command "nope"/).and.match(/^ {2}createclient /m);
      }
      const r = await gatehouse(['createuser', 'x', '--bogus'], env);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.match(/--bogus/).and.match(/^Usage: gatehouse createuser/m);
    });
  });

  describe('changepassword', () => {
    it('reads the new password from a pipe, ends the sessions, and the new password logs in over HTTP (the old one no longer)', async () => {
      const r = await gatehouse(['changepassword', 'bob'], env, 'second passphrase 2\n');
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.match(/Ended \d+ login session/);
      const app = await createApp({ env: 'test', database: db.database });
      try {
        const { url } = await app.listen(0, '127.0.0.1');
        expect((await new Browser(url).login('bob', 'first passphrase 1')).status).to.equal(400);
        const ok = await new Browser(url).login('bob', 'second passphrase 2');
        expect(ok.status).to.equal(302);
        expect(ok.headers.get('location')).not.to.match(/login/);
      } finally { await app.close(); }
    });

    it('--password-stdin reads the first line only; a weak password, an empty input or an unknown user exits 1', async () => {
      expect((await gatehouse(['changepassword', 'bob', '--password-stdin'], env, 'third passphrase 3\nignored\n')).code).to.equal(0);
      const weak = await gatehouse(['changepassword', 'bob'], env, 'short\n');
      expect(weak.code).to.equal(1);
      expect(weak.stderr).not.to.match(/short/);
      expect((await gatehouse(['changepassword', 'bob'], env, '')).code).to.equal(1);
      expect((await gatehouse(['changepassword', 'nobody'], env, 'fourth passphrase 4\n')).code).to.equal(1);
      expect((await gatehouse(['changepassword'], env, 'x\n')).code).to.equal(2);
      const app = await createApp({ env: 'test', database: db.database });
      try {
        const { url } = await app.listen(0, '127.0.0.1');
        expect((await new Browser(url).login('bob', 'third passphrase 3')).status).to.equal(302);
      } finally { await app.close(); }
    });
  });

  describe('changepassword on a terminal (util-linux `script` gives it one)', () => {
    const hasScript = (() => { try { execFileSync('script', ['--version'], { stdio: 'ignore' }); return true; } catch { return false; } })();
    /** Answers each prompt as it appears; resolves with the exit code and everything the terminal showed. */
    const typed = (answers: string[]) => new Promise<{ code: number | null; screen: string }>((resolve) => {
      // --echo never: the terminal itself echoes nothing, so whatever the screen shows of a password, the command printed.
      const child = spawn('script', ['--echo', 'never', '-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(MAIN)} changepassword bob`, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
      let screen = '';
      const prompts = [/Password for "bob": $/, /Password \(again\): $/];
      child.stdout.on('data', (d) => {
        screen += d;
        if (prompts.length && prompts[0].test(screen)) { prompts.shift(); child.stdin.write(`${answers.shift()}\r`); }
      });
      child.once('exit', (code) => { child.stdin.end(); resolve({ code, screen }); });
    });

    it('asks twice without echoing; a mismatch changes nothing (exit 1), a match changes the password', async function () {
      if (!hasScript) this.skip();
      this.timeout(60_000);
      const mismatch = await typed(['tty passphrase 5', 'tty passphrase 6']);
      expect(mismatch.code).to.equal(1);
      expect(mismatch.screen).to.match(/do not match/).and.not.include('tty passphrase');
      const ok = await typed(['tty passphrase 7', 'tty passphrase 7']);
      expect(ok.code, ok.screen).to.equal(0);
      expect(ok.screen).not.to.include('tty passphrase');
      const app = await createApp({ env: 'test', database: db.database });
      try {
        const { url } = await app.listen(0, '127.0.0.1');
        expect((await new Browser(url).login('bob', 'tty passphrase 7')).status).to.equal(302);
      } finally { await app.close(); }
    });
  });

  describe('createclient accepts the registries\' values, validated as the form and GraphQL do', () => {
    const clientOf = async (stdout: string) => {
      const clientId = /client_id: (\S+)/.exec(stdout)![1];
      const app = await createApp({ env: 'test', database: db.database });
      try { return (await app.withContext(() => app.stores.clients.findByClientId(clientId)))!; } finally { await app.close(); }
    };

    it('every registrable grant type and response type, an auth method, web, jwt, algorithms, scopes and a request-object key set', async () => {
      const { publicKey } = await generateKeyPair('ES256');
      const jwksFile = join(dir, 'jwks.json');
      writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', use: 'sig', alg: 'ES256' }] }));
      const dashed = REGISTRABLE_GRANT_TYPES.map((g) => (g.includes(':') ? g : g.replace(/_/g, '-'))).join(',');
      const r = await gatehouse(['createclient', '--name', 'Everything', '--owner', 'bob', '--type', 'confidential', '--application-type', 'web',
        '--grant-types', dashed, '--response-types', RESPONSE_TYPES.join(','), '--redirect-uris', 'https://app.example/cb', '--auth-method', 'client_secret_post',
        '--scopes', 'openid,read', '--access-token-format', 'jwt', '--id-token-alg', 'ES256', '--userinfo-alg', 'EdDSA', '--subject-type', 'public',
        '--jwks-file', jwksFile, '--request-object-alg', 'ES256'], env);
      expect(r.code, r.stderr).to.equal(0);
      const c = await clientOf(r.stdout);
      expect(c.grantTypes).to.include.members([...REGISTRABLE_GRANT_TYPES]);
      expect(c.responseTypes).to.have.members([...RESPONSE_TYPES]);
      expect(c).to.include({ clientType: 'confidential', applicationType: 'web', tokenEndpointAuthMethod: 'client_secret_post', accessTokenFormat: 'jwt',
        idTokenSignedResponseAlg: 'ES256', userinfoSignedResponseAlg: 'EdDSA', subjectType: 'public', requestObjectSigningAlg: 'ES256' });
      expect(c.allowedScopes).to.have.members(['openid', 'read']);
      expect(JSON.parse(c.jwks!).keys[0].kid).to.equal('k1');
    });

    it('a native public client with a private-use redirect scheme and auth method none', async () => {
      const r = await gatehouse(['createclient', '--name', 'Phone', '--owner', 'bob', '--type', 'public', '--application-type', 'native',
        '--redirect-uris', 'com.example.app:/cb', '--auth-method', 'none'], env);
      expect(r.code, r.stderr).to.equal(0);
      expect(await clientOf(r.stdout)).to.include({ clientType: 'public', applicationType: 'native', tokenEndpointAuthMethod: 'none' });
    });

    // Attacker read 13B, F3: the CLI is one of the write paths of a client's redirect URIs, bounded in the one validation.
    it('more redirect URIs than MAX_REDIRECT_URIS exits 1 naming --redirect-uris, and registers nothing', async () => {
      const many = Array.from({ length: MAX_REDIRECT_URIS + 1 }, (_, i) => `https://app.example/cb/${i}`).join(',');
      const r = await gatehouse(['createclient', '--name', 'Too many', '--owner', 'bob', '--redirect-uris', many], env);
      expect(r.code, r.stderr).to.equal(1);
      expect(r.stderr).to.match(/^--redirect-uris: /m);
      expect(r.stdout).not.to.match(/client_id: /);
    });

    it('a value outside a registry exits 1 naming the option', async function () {
      this.timeout(90_000);
      const base = ['createclient', '--name', 'Bad', '--owner', 'bob', '--redirect-uris', 'https://app.example/cb'];
      const cases: [string[], string][] = [
        [['--grant-types', 'magic'], '--grant-types'], [['--response-types', 'code magic'], '--response-types'], [['--auth-method', 'private_key_jwt_x'], '--auth-method'],
        [['--application-type', 'desktop'], '--application-type'], [['--type', 'secret'], '--type'], [['--request-object-alg', 'none'], '--request-object-alg'],
        [['--subject-type', 'secret'], '--subject-type'], [['--access-token-format', 'paseto'], '--access-token-format'],
      ];
      const runs = [];
      // Two at a time: a process each, on a machine that may have two CPUs.
      for (let i = 0; i < cases.length; i += 2) runs.push(...await Promise.all(cases.slice(i, i + 2).map(async ([extra, option]) => [option, await gatehouse([...base, ...extra], env)] as const)));
      for (const [option, r] of runs) {
        expect(r.code, option).to.equal(1);
        expect(r.stderr, option).to.match(new RegExp(`^${option}: `, 'm'));
      }
    });
  });
});
