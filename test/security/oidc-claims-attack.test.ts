import { expect } from 'chai';
import { createTestApp, type TestServer } from '../helpers.ts';
import { codeFlowTokens, codeFlowSetup } from '../oauth-helpers.ts';
import { actors, gql } from '../graphql/gql-helpers.ts';
import { updateProfile } from '../../src/accounts/users.ts';

// The attacker's read of issue 19's claims, profile, keys and JWT access tokens: each finding written here first and
// seen failing.
describe('security: issue 19 attacker read (claims, profile, signing keys)', () => {
  let t: TestServer;
  before(async () => { t = await createTestApp(); });
  after(() => t.close());
  let cast: ReturnType<typeof actors> | undefined;
  const theActors = () => (cast ??= actors(t));

  async function setProfile(id: number, edit: Parameters<typeof updateProfile>[2]) {
    const r = await updateProfile(t.app.stores.users, (await t.app.stores.users.findById(id))!, edit, true);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
  }

  async function aliceWithProfile() {
    const s = await codeFlowSetup(t, { allowedScopes: ['openid', 'read'] });
    await setProfile(s.user.id, { email: `${s.user.username}@example.com`, birthdate: '1990-01-01', phone_number: '+33123456789', address: { country: 'FR' } });
    return s;
  }

  it('#2 the claims parameter releases only claims of scopes the client is allowed (Core §5.4, §5.5)', async () => {
    const s = await aliceWithProfile();
    const claims = JSON.stringify({ userinfo: { email: null, phone_number: null, address: null, birthdate: null }, id_token: { email: null } });
    const tokens = await codeFlowTokens(t, s, { scope: 'openid', nonce: 'n', claims });
    const info = await (await fetch(`${t.url}/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).json() as Record<string, unknown>;
    expect(Object.keys(info)).to.deep.equal(['sub']);
    const idToken = JSON.parse(Buffer.from(tokens.id_token.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
    expect(idToken).to.not.have.property('email');
  });

  it('#2 a client allowed the email scope may ask for email by name with scope openid alone', async () => {
    const s = await codeFlowSetup(t, { allowedScopes: ['openid', 'email'] });
    await setProfile(s.user.id, { email: 'named@example.com', birthdate: '1990-01-01' });
    const tokens = await codeFlowTokens(t, s, { scope: 'openid', nonce: 'n', claims: JSON.stringify({ userinfo: { email: null, birthdate: null } }) });
    const info = await (await fetch(`${t.url}/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).json() as Record<string, unknown>;
    expect(info.email).to.equal('named@example.com');
    expect(info).to.not.have.property('birthdate');
  });

  it('#3 a third-party token reads through GraphQL only the claims its scopes release, and cannot change the profile', async () => {
    const s = await aliceWithProfile();
    const { access_token: readToken } = await codeFlowTokens(t, s, { scope: 'read' });
    const asApp = gql(t.url, readToken);
    const { data, errors } = await asApp('{ viewer { username email emailVerified profile { name birthdate phoneNumber address { country } } } }');
    expect(errors).to.equal(undefined);
    expect(data.viewer.username).to.equal(s.user.username);
    expect(data.viewer.email).to.equal(null);
    expect(data.viewer.profile).to.deep.equal({ name: null, birthdate: null, phoneNumber: null, address: null });

    const w = await codeFlowSetup(t, { allowedScopes: ['read', 'write'] });
    const { access_token: writeToken } = await codeFlowTokens(t, w, { scope: 'read write' });
    const upd = await gql(t.url, writeToken)('mutation($id: ID!) { updateProfile(id: $id, input: { email: "attacker@evil.example" }) { user { id } } }', { id: String(w.user.id) });
    expect(upd.errors?.[0]?.extensions?.code).to.equal('FORBIDDEN');
    expect((await t.app.stores.users.findById(w.user.id))!.email).to.not.equal('attacker@evil.example');
  });

  it('#3 the user\'s own session and an administrator still read and change the whole profile', async () => {
    const a = await theActors();
    await setProfile(a.alice.id, { birthdate: '1991-02-03' });
    const b = await a.aliceBrowser();
    const own = await (await b.request('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ viewer { profile { birthdate } } }' }) })).json() as { data: { viewer: { profile: { birthdate: string } } } };
    expect(own.data.viewer.profile.birthdate).to.equal('1991-02-03');
    const byAdmin = await a.admin('mutation($id: ID!) { updateProfile(id: $id, input: { birthdate: "1991-02-04" }) { user { profile { birthdate } } } }', { id: String(a.alice.id) });
    expect(byAdmin.errors).to.equal(undefined);
    expect(byAdmin.data.updateProfile.user.profile.birthdate).to.equal('1991-02-04');
  });

  const sql = async <T>(q: string) => await t.app.orm.em.getConnection().execute(q) as T[];
  const keyRows = () => sql<{ alg: string; status: string }>('select alg, status from signing_keys');
  const rotationEvents = async () => Number((await sql<{ n: number }>("select count(*) as n from events where type = 'keys.rotated'"))[0].n);

  it('#5 fifty concurrent rotations once the next keys are old enough: exactly one wins, for every algorithm, audited', async function () {
    this.timeout(60_000);
    const a = await theActors();
    await t.app.signingKeys.ensure();
    // The next keys were published long enough ago for relying parties to have fetched them.
    await sql('update signing_keys set created_at = created_at - 3600000');
    t.app.signingKeys.invalidate();
    const before = (await keyRows()).length;
    const eventsBefore = await rotationEvents();
    const results = await Promise.all(Array.from({ length: 50 }, () => a.admin('mutation { rotateSigningKeys { currentKids nextKids } }')));
    expect(results.filter((r) => !r.errors)).to.have.length(1);
    for (const r of results.filter((x) => x.errors)) expect(r.errors![0].extensions.code).to.equal('ROTATION_TOO_SOON');
    const rows = await keyRows();
    expect(rows).to.have.length(before + 3);
    for (const alg of ['RS256', 'ES256', 'EdDSA']) {
      expect(rows.filter((r) => r.alg === alg && r.status === 'retired')).to.have.length(1);
      expect(rows.filter((r) => r.alg === alg && r.status === 'current')).to.have.length(1);
    }
    expect(await rotationEvents()).to.equal(eventsBefore + 1);
    // The current keys come first in the admin listing, whatever the algorithm.
    const listed = (await a.admin('{ signingKeys(first: 3) { alg status } }')).data.signingKeys as { status: string }[];
    expect(listed.map((k) => k.status)).to.deep.equal(['CURRENT', 'CURRENT', 'CURRENT']);
  });

  it('#5 fifty concurrent forced rotations: no algorithm rotates alone, no 500, and every rotation that happened is audited', async function () {
    // Each forced rotation generates three key pairs (RSA 2048 among them): slow on a loaded machine.
    this.timeout(60_000);
    const a = await theActors();
    const count = async () => Object.fromEntries(['RS256', 'ES256', 'EdDSA'].map((alg) => [alg, 0])) as Record<string, number>;
    const retiredBefore = await count();
    for (const r of await keyRows()) if (r.status === 'retired') retiredBefore[r.alg]++;
    const eventsBefore = await rotationEvents();
    const results = await Promise.all(Array.from({ length: 50 }, () => a.admin('mutation { rotateSigningKeys(force: true) { currentKids } }')));
    const won = results.filter((r) => !r.errors).length;
    expect(won).to.be.at.least(1);
    for (const r of results.filter((x) => x.errors)) expect(r.errors![0].extensions.code).to.equal('ROTATION_TOO_SOON');
    const rows = await keyRows();
    for (const alg of ['RS256', 'ES256', 'EdDSA']) {
      expect(rows.filter((r) => r.alg === alg && r.status === 'retired').length - retiredBefore[alg]).to.equal(won);
      expect(rows.filter((r) => r.alg === alg && r.status === 'next')).to.have.length(1);
    }
    expect(await rotationEvents()).to.equal(eventsBefore + won);
  });

  it('#11 ui_locales or Accept-Language naming an Object member is not a language', async () => {
    for (const q of ['constructor', '__proto__', 'toString']) {
      const res = await fetch(`${t.url}/accounts/login/?next=${encodeURIComponent(`/o/authorize/?ui_locales=${q}`)}`, { headers: { 'accept-language': q } });
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-language')).to.equal('en');
      expect(await res.text()).to.include('<html lang="en"');
    }
  });

});
