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

  // Fresh-eyes 11: Auth.js's OIDC provider and passport-openidconnect build the profile from the ID Token; without the
  // scopes' claims there a sign-in had no name or email. The token endpoint's ID Token carries them, as UserInfo does.
  it('the ID Token from the token endpoint carries the granted scopes\' claims too, on the code flow and on refresh', async () => {
    const s = await setupWithProfile();
    const idClaims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
    const tokens = await codeFlowTokens(t, s, { scope: 'openid profile email', prompt: 'consent' });
    const first = idClaims(tokens.id_token);
    expect(first).to.include({ sub: String(s.user.id), name: 'Ada Lovelace', preferred_username: s.user.username, email: 'ada@example.com', email_verified: false });
    expect(first, 'address was not granted').to.not.have.property('address');
    const refreshed = await (await fetch(`${t.url}/o/token/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${s.auth.id}:${s.auth.secret}`).toString('base64')}` }, body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token }) })).json();
    expect(idClaims(refreshed.id_token)).to.include({ name: 'Ada Lovelace', email: 'ada@example.com' });
    // openid alone: nothing beyond the protocol's claims.
    const bare = idClaims((await codeFlowTokens(t, s, { scope: 'openid', prompt: 'consent' })).id_token);
    expect(bare).to.not.have.any.keys('name', 'email', 'preferred_username');
  });

  it('discovery lists address and phone in scopes_supported and their claims in claims_supported', async () => {
    const d = await (await fetch(`${t.url}/.well-known/openid-configuration`)).json() as Record<string, string[]>;
    expect(d.scopes_supported).to.include.members(['address', 'phone']);
    expect(d.claims_supported).to.include.members(['address', 'phone_number', 'phone_number_verified', 'given_name', 'birthdate', 'updated_at']);
  });
});
