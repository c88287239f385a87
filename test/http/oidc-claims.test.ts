import { expect } from 'chai';
import { createTestApp, type TestServer } from '../helpers.ts';
import { codeFlowSetup, codeFlowTokens } from '../oauth-helpers.ts';
import { updateProfile } from '../../src/accounts/users.ts';

describe('OpenID Connect Core §5.4: claims by scope (profile, email, address, phone)', () => {
  let t: TestServer;
  before(async () => { t = await createTestApp(); });
  after(() => t.close());

  const ALL = ['openid', 'profile', 'email', 'address', 'phone'];
  async function setupWithProfile() {
    const s = await codeFlowSetup(t, { allowedScopes: ALL });
    const r = await t.app.withContext(async () => {
      const users = t.app.stores.users;
      const user = (await users.findById(s.user.id))!;
      return updateProfile(users, user, { email: 'ada@example.com', name: 'Ada Lovelace', given_name: 'Ada', family_name: 'Lovelace', birthdate: '1815-12-10', locale: 'en-GB', zoneinfo: 'Europe/London', website: 'https://ada.example', phone_number: '+442071234567', address: { locality: 'London', country: 'GB' } }, false, 1_700_000_000_000);
    });
    expect(r.ok).to.equal(true);
    return s;
  }
  const userinfo = async (token: string) => (await fetch(`${t.url}/userinfo`, { headers: { authorization: `Bearer ${token}` } })).json() as Promise<Record<string, unknown>>;

  it('each scope releases exactly its claims (§5.4), with updated_at in seconds and unverified marks false', async () => {
    const s = await setupWithProfile();
    const sub = String(s.user.id);
    const cases: [string, Record<string, unknown>][] = [
      ['openid', { sub }],
      ['openid profile', { sub, name: 'Ada Lovelace', given_name: 'Ada', family_name: 'Lovelace', preferred_username: s.user.username, birthdate: '1815-12-10', locale: 'en-GB', zoneinfo: 'Europe/London', website: 'https://ada.example', updated_at: 1_700_000_000 }],
      ['openid email', { sub, email: 'ada@example.com', email_verified: false }],
      ['openid address', { sub, address: { locality: 'London', country: 'GB' } }],
      ['openid phone', { sub, phone_number: '+442071234567', phone_number_verified: false }],
    ];
    for (const [scope, expected] of cases) {
      const { access_token } = await codeFlowTokens(t, s, { scope, prompt: 'consent' });
      expect(await userinfo(access_token), scope).to.deep.equal(expected);
    }
  });

  it('discovery lists address and phone in scopes_supported and their claims in claims_supported', async () => {
    const d = await (await fetch(`${t.url}/.well-known/openid-configuration`)).json() as Record<string, string[]>;
    expect(d.scopes_supported).to.include.members(['address', 'phone']);
    expect(d.claims_supported).to.include.members(['address', 'phone_number', 'phone_number_verified', 'given_name', 'birthdate', 'updated_at']);
  });
});
