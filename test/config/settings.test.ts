import { expect } from 'chai';
import { ConfigError, loadConfig, resolveConfig } from '../../src/config.ts';
import { isSecret, walk } from '../../src/config/schema.ts';
import { settings } from '../../src/config/settings.ts';
import { MAX_SCOPES } from '../../src/oauth2/scope.ts';

const all = [...walk(settings)];
const problemsOf = (f: () => unknown): string[] => {
  try { f(); } catch (e) { if (e instanceof ConfigError) return e.problems; throw e; }
  return [];
};
// Kinds that take any text: a string is a string.
const FREE_TEXT = new Set(['string', 'secret', 'list', 'list of secrets']);

describe('config: every setting is declared in full', () => {
  for (const { path, setting } of all) {
    const name = setting.env ?? path.join('.');
    it(`${name}: has a description, and a default, or is optional or required`, () => {
      expect(setting.doc.trim(), name).not.to.equal('');
      expect('default' in setting || setting.optional === true || setting.required === true, name).to.equal(true);
      if (setting.default !== undefined) expect(() => setting.kind.check(setting.default), name).not.to.throw();
    });
  }

  it('names each environment variable once', () => {
    const names = all.map((s) => s.setting.env).filter(Boolean);
    expect(new Set(names).size).to.equal(names.length);
  });

  it('marks every key, password and credential-bearing URL secret', () => {
    const secret = all.filter((s) => isSecret(s.setting)).map((s) => s.setting.env);
    expect(secret).to.have.members(['DATABASE_URL', 'REDIS_URL', 'SESSION_KEYS', 'SECRET_PEPPER', 'ENCRYPTION_KEY', 'ADMIN_PASSWORD', 'METRICS_TOKEN']);
  });
});

describe('config: a bad value is refused with an error naming it', () => {
  for (const { path, setting } of all.filter((s) => s.setting.env && !FREE_TEXT.has(s.setting.kind.label))) {
    it(`${setting.env}=nonsense`, () => {
      const problems = problemsOf(() => loadConfig({ [setting.env!]: 'nonsense' }));
      expect(problems, setting.env).to.have.length(1);
      expect(problems[0].startsWith(`${setting.env} must `), problems[0]).to.equal(true);
    });
    it(`createApp({ ${path.join('.')}: wrong type })`, () => {
      const overrides = path.reduceRight<unknown>((v, k) => ({ [k]: v }), { wrong: true });
      const problems = problemsOf(() => resolveConfig(overrides as never));
      expect(problems, path.join('.')).to.have.length(1);
      expect(problems[0].startsWith(`${path.join('.')} (${setting.env}) must `), problems[0]).to.equal(true);
    });
  }

  it('names an in-process-only setting by its key', () => {
    expect(problemsOf(() => resolveConfig({ bodyLimit: '1 gigabyte' }))).to.deep.equal(['bodyLimit must be a size such as 100kb, got "1 gigabyte"']);
  });

  it('never prints a secret value', () => {
    const problems = problemsOf(() => loadConfig({
      DATABASE_URL: 'mysql://gh:hunter2@db', REDIS_URL: 'memcache://gh:hunter3@cache', ENCRYPTION_KEY: 'hunter4', SESSION_KEYS: '',
    }));
    expect(problems).to.have.length(4);
    expect(problems.join('\n')).not.to.match(/hunter/);
  });

  it('an empty variable is unset, except a list (empty)', () => {
    expect(loadConfig({ PORT: '', ADMIN_USERNAME: '', CORS_ORIGINS: '' })).to.include({ port: 8000 });
    expect(loadConfig({ DEFAULT_SCOPES: '' }).defaultScopes).to.deep.equal([]);
  });

  // Attacker read 13B, F3: every stored scope list is a set of these, and the admin API counts each as this bound.
  it('scopes: at most MAX_SCOPES are known', () => {
    const scopes = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`s${i}`, `Scope ${i}`]));
    expect(problemsOf(() => resolveConfig({ scopes: scopes(MAX_SCOPES + 1), defaultScopes: [] }))).to.deep.equal([`scopes names more than ${MAX_SCOPES} scopes`]);
    expect(resolveConfig({ scopes: scopes(MAX_SCOPES), defaultScopes: [] }).scopes).to.have.property('s0');
  });

  it('overrides win over the environment and are checked as strictly', () => {
    expect(loadConfig({ PORT: '9001' }, { port: 9002 }).port).to.equal(9002);
    expect(problemsOf(() => resolveConfig({ port: 70000 }))).to.deep.equal(['port (PORT) must be 0-65535, got 70000']);
  });
});
