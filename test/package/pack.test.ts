// The package as a user gets it (issue 18 item 7): `npm pack` (whose prepack builds dist/), the tarball installed
// into a fresh project, and there the README's mocha example run against `import ... from 'gatehouse'`, the page
// templates, stylesheet and GraphQL schema read from the installed files, its declarations type-checked, and the
// `gatehouse` command migrating a database. Everything happens in a temporary directory: the repository is copied
// there (node_modules linked) before packing, so no dist/ or tarball is left in the work tree.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { promisify, stripVTControlCharacters } from 'node:util';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; files?: string[]; devDependencies: Record<string, string> };
const exec = promisify(execFile);

// A clean environment for the child npm and node: none of the parent `npm test`'s package or lifecycle variables
// (npm_config_local_prefix would point npm at this repository), no DATABASE_URL/REDIS_URL (the example uses its
// own in-memory database), no NODE_OPTIONS; the npm cache, registry, proxy and user config stay.
const KEEP_NPM = /^npm_config_(cache|userconfig|globalconfig|registry|.*proxy|strict_ssl|cafile|ca)$/i;
const ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) =>
  !(/^npm_/i.test(k) && !KEEP_NPM.test(k)) && !['DATABASE_URL', 'REDIS_URL', 'NODE_OPTIONS', 'NODE_COMPILE_CACHE'].includes(k)));
const run = (cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = ENV) =>
  exec(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 32 * 1024 * 1024, timeout: 240_000 });
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** The README's mocha example: the first TypeScript block of "Testing your app against Gatehouse". */
function readmeExample(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Testing your app against Gatehouse'));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('README.md: no ```ts block under "Testing your app against Gatehouse"');
  return block[1];
}

// Paths the server reads at run time relative to its own files: the templates (a page and the stylesheet, read
// at import) and the GraphQL schema files (read when the schema is built). A missing or mis-resolved directory
// fails createApp or answers 500/503 here.
const RUNTIME_FILES_TEST = `
import { expect } from 'chai';
import { createApp, encodeBasicAuthorization } from 'gatehouse';

describe('the installed package finds its templates and schema', () => {
  let gatehouse: Awaited<ReturnType<typeof createApp>>;
  let url: string;
  before(async () => { gatehouse = await createApp({ env: 'test', database: { file: ':memory:' } }); ({ url } = await gatehouse.listen(0)); });
  after(() => gatehouse.close());

  it('renders the login page and serves the stylesheet', async () => {
    const page = await fetch(url + '/accounts/login/');
    expect(page.status).to.equal(200);
    expect(await page.text()).to.include('<form');
    const css = await fetch(url + '/static/gatehouse.css');
    expect(css.status).to.equal(200);
    expect(css.headers.get('content-type')).to.match(/^text\\/css/);
  });

  it('answers a GraphQL query from the shipped schema', async () => {
    const admin = await gatehouse.seed.user({ username: 'root', isAdmin: true });
    const { client, clientSecret } = await gatehouse.seed.client({ owner: admin, grantTypes: ['password'], allowedScopes: ['admin'] });
    const res = await fetch(url + '/o/token/', {
      method: 'POST',
      headers: { authorization: encodeBasicAuthorization(client.clientId, clientSecret!), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', username: 'root', password: admin.password, scope: 'admin' }),
    });
    const { access_token } = await res.json() as { access_token: string };
    const gql = await fetch(url + '/graphql', {
      method: 'POST',
      headers: { authorization: 'Bearer ' + access_token, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(gql.status).to.equal(200);
    expect(await gql.json()).to.deep.equal({ data: { __typename: 'Query' } });
  });
});
`;

// The declarations are found and used: were they missing, the import would be an implicit \`any\` (an error under
// strict) and the wrong option below would not be an error, so the @ts-expect-error would fail.
const TYPES_CHECK = `
import { createApp, loadConfig, type Gatehouse, type GatehouseConfig } from 'gatehouse';

export const app: Promise<Gatehouse> = createApp({ env: 'test', database: { file: ':memory:' } });
export const config: GatehouseConfig = loadConfig({});
// @ts-expect-error env is 'development' | 'production' | 'test'
export const wrong = createApp({ env: 42 });
`;

describe('the npm package: packed, installed in a fresh project, used from node_modules', function () {
  // npm pack (a full build) and npm install (~240 packages from the npm cache or registry) take a while.
  this.timeout(600_000);
  let work: string;
  let app: string;
  let files: string[];

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'gatehouse-pack-'));
    // Pack a copy: the build writes dist/ next to src/, and this test must leave the work tree as it found it.
    const source = join(work, 'source');
    mkdirSync(source);
    for (const f of new Set(['package.json', 'README.md', 'LICENSE', 'tsconfig.json', 'tsconfig.build.json', 'src', ...(pkg.files ?? []).filter((f) => f !== 'dist')])) {
      if (existsSync(join(ROOT, f))) cpSync(join(ROOT, f), join(source, f), { recursive: true });
    }
    symlinkSync(join(ROOT, 'node_modules'), join(source, 'node_modules'), 'dir');
    const { stdout } = await run(NPM, ['pack', '--json', '--pack-destination', work], source);
    const [packed] = JSON.parse(stdout.slice(stdout.indexOf('[\n'))) as { filename: string; files: { path: string }[] }[];
    files = packed.files.map((f) => f.path);

    app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'gatehouse-consumer', private: true, type: 'module' }, null, 2));
    const dev = (name: string) => `${name}@${pkg.devDependencies[name]}`;
    await run(NPM, ['install', '--no-audit', '--no-fund', '--prefer-offline', join(work, packed.filename), dev('mocha'), dev('chai')], app);
  });

  after(() => { if (work) rmSync(work, { recursive: true, force: true }); });

  /** Runs one test file with the consumer's mocha. Plain text whatever the terminal: CI may force colours
   *  (FORCE_COLOR), and mocha then puts escape codes between the check mark and the title. */
  const mocha = async (file: string) => {
    const { stdout } = await run(process.execPath, ['node_modules/mocha/bin/mocha.js', '--no-color', '--timeout', '20000', file], app,
      Object.fromEntries(Object.entries(ENV).filter(([k]) => k !== 'FORCE_COLOR')));
    return stripVTControlCharacters(stdout);
  };

  it('ships the build, its declarations, the migrations, the schema and the templates, and no sources or tests', () => {
    expect(files).to.include.members(['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts', 'dist/main.js',
      'dist/storage/migrations/sqlite/index.js', 'dist/storage/migrations/postgresql/index.js', 'schema/base.graphql', 'templates/layout.pug', 'templates/static/gatehouse.css']);
    expect(files.filter((f) => /^(src|test|bench|docs|\.ci)\//.test(f) || f.endsWith('.ts') && !f.endsWith('.d.ts'))).to.deep.equal([]);
  });

  it("runs the README's mocha example with `import ... from 'gatehouse'`", async () => {
    const example = readmeExample();
    expect(example).to.include("from 'gatehouse'");
    // The repository runs the same file as test/readme-example.test.ts (below its first comment line).
    expect(readFileSync(join(ROOT, 'test/readme-example.test.ts'), 'utf8').split('\n').slice(1).join('\n')).to.equal(example);
    writeFileSync(join(app, 'readme-example.test.ts'), example);
    const stdout = await mocha('readme-example.test.ts');
    expect(stdout).to.match(/✔ gets a token and calls a protected resource/).and.match(/\b1 passing\b/).and.not.match(/failing/);
  });

  it('finds its templates and GraphQL schema from node_modules/gatehouse/dist', async () => {
    writeFileSync(join(app, 'runtime-files.test.ts'), RUNTIME_FILES_TEST);
    const stdout = await mocha('runtime-files.test.ts');
    expect(stdout).to.match(/\b2 passing\b/).and.not.match(/failing/);
  });

  it('has declarations a TypeScript project type-checks against', async () => {
    writeFileSync(join(app, 'types-check.ts'), TYPES_CHECK);
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'es2024', module: 'nodenext', lib: ['es2024'], types: [], strict: true, noEmit: true, skipLibCheck: true },
      files: ['types-check.ts'],
    }));
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const r = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], app).catch((e: { stdout: string }) => ({ stdout: e.stdout, failed: true }));
    expect(r.stdout).to.equal('');
  });

  it('installs the `gatehouse` command, which migrates a database with the shipped migrations', async () => {
    const env = { ...ENV, NODE_ENV: 'development', DB_FILE: join(app, 'gatehouse.sqlite') };
    const { stdout } = await run(join(app, 'node_modules/.bin/gatehouse'), ['migrate'], app, env);
    expect(stdout).to.match(/Applied \d+ migration/);
  });
});
