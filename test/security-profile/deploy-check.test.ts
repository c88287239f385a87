import { expect } from 'chai';
import { resolveConfig, type ConfigOverrides } from '../../src/config.ts';
import { deployCheck, formatFindings, LEGACY_GRANT_TYPES } from '../../src/config/deploy-check.ts';
import { devDefaults } from '../../src/config/settings.ts';
import { gatherDeployFacts } from '../../src/storage/deploy-facts.ts';
import { dialectOf } from '../../src/storage/orm.ts';
import { parseKey } from '../../src/oauth1/secret-box.ts';
import { createTestApp, type TestServer } from '../helpers.ts';

const PRODUCTION: ConfigOverrides = {
  env: 'production', issuer: 'https://auth.example.com', trustProxy: true, sessionKeys: ['s'.repeat(40)], secretPepper: 'p'.repeat(40),
  encryptionKey: 'ab'.repeat(32), playground: false,
};

// `check --deploy` under SECURITY_PROFILE: the profile reported (I001), contradicting settings (E009), clients
// registered before the profile that break it (W009), read from a real database.
describe('check --deploy with SECURITY_PROFILE', () => {
  let t: TestServer;
  before(async () => { t = await createTestApp(); });
  after(() => t.close());
  const facts = () => gatherDeployFacts(t.app.orm, dialectOf(t.app.config), { devSealKey: parseKey(devDefaults.encryptionKeyValue), grantTypes: LEGACY_GRANT_TYPES });
  const run = async (overrides: ConfigOverrides) => deployCheck({ config: resolveConfig({ ...PRODUCTION, ...overrides }), facts: await facts(), configProblems: [], now: Date.now() });

  it('SECURITY_PROFILE=none (the default) adds no finding', async () => {
    const found = await run({});
    expect(found.map((f) => f.id)).not.to.include.members(['I001']);
    expect(found.map((f) => f.id)).not.to.include('E009');
    expect(found.map((f) => f.id)).not.to.include('W009');
  });

  it('fapi2 turns PAR on: no contradiction, and the profile is reported as info (no error, no warning of its own)', async () => {
    expect(resolveConfig({ securityProfile: 'fapi2' }).requirePushedAuthorizationRequests).to.equal(true);
    const found = await run({ securityProfile: 'fapi2' });
    const info = found.find((f) => f.id === 'I001');
    expect(info?.severity).to.equal('info');
    expect(info?.message).to.contain('fapi2:par-required');
    expect(found.map((f) => f.id)).not.to.include('E009');
  });

  it('E009: fapi2 with REQUIRE_PUSHED_AUTHORIZATION_REQUESTS=false, PKCE_ALLOW_PLAIN=true and AUTHORIZATION_CODE_TTL=300 are errors naming the rules', async () => {
    const found = (await run({ securityProfile: 'fapi2', requirePushedAuthorizationRequests: false, pkce: { allowPlain: true }, tokens: { authorizationCodeTtl: 300 } })).filter((f) => f.id === 'E009');
    expect(found.map((f) => f.severity)).to.deep.equal(['error', 'error', 'error']);
    expect(found.map((f) => f.message.match(/(fapi2|oauth2\.1):[a-z0-9-]+/)![0])).to.deep.equal(['fapi2:par-required', 'oauth2.1:pkce-s256', 'fapi2:code-lifetime']);
  });

  it('W009: clients registered before the profile that break it are listed with the rules they break', async () => {
    const owner = await t.app.seed.user({ username: 'legacy-owner' });
    const { client: legacy } = await t.app.seed.client({ owner, grantTypes: ['authorization_code', 'password'] });
    const found = await run({ securityProfile: 'oauth2.1' });
    const w = found.find((f) => f.id === 'W009');
    expect(w?.severity).to.equal('warning');
    expect(w?.message).to.contain(`${legacy.clientId} (oauth2.1:no-password)`);
    const fapi = (await run({ securityProfile: 'fapi2' })).find((f) => f.id === 'W009');
    expect(fapi?.message).to.match(new RegExp(`${legacy.clientId} \\([^)]*fapi2:client-auth`));
    const { client: slow } = await t.app.seed.client({ owner, grantTypes: ['authorization_code'], authorizationCodeLifetime: 300 });
    expect((await run({ securityProfile: 'fapi2' })).find((f) => f.id === 'W009')?.message).to.match(new RegExp(`${slow.clientId} \\([^)]*fapi2:code-lifetime`));
    // The summary counts errors and warnings; info is reported, not counted.
    expect(formatFindings([{ id: 'I001', severity: 'info', message: 'm', fix: 'f' }])).to.contain('no issues found');
  });
});
