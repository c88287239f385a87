import { expect } from 'chai';
import { createTestApp, type TestServer } from '../helpers.ts';
import { actors } from './gql-helpers.ts';

describe('GraphQL updateProfile: OpenID Connect Core §5.1 claims on users', () => {
  let srv: TestServer;
  let a: Awaited<ReturnType<typeof actors>>;
  before(async () => { srv = await createTestApp(); a = await actors(srv); });
  after(() => srv.close());

  const code = (r: { errors?: { extensions: { code: string } }[] }) => r.errors?.[0]?.extensions.code;
  const UPDATE = 'mutation($id: ID!, $i: ProfileInput!) { updateProfile(id: $id, input: $i) { user { id emailVerified updatedAt profile { name givenName phoneNumber phoneNumberVerified website birthdate locale address { locality country } } } } }';

  it('a user edits their own profile; verified marks are for administrators and a changed number loses its mark', async () => {
    const mine = await a.user(UPDATE, { id: String(a.alice.id), i: { name: 'Alice Liddell', givenName: 'Alice', phoneNumber: '+33612345678', phoneNumberVerified: true, emailVerified: true, website: 'https://alice.example', birthdate: '1852', locale: 'en-GB', address: { locality: 'Oxford', country: 'UK' } } });
    expect(mine.errors).to.equal(undefined);
    const u = mine.data.updateProfile.user;
    expect(u.profile).to.deep.equal({ name: 'Alice Liddell', givenName: 'Alice', phoneNumber: '+33612345678', phoneNumberVerified: false, website: 'https://alice.example', birthdate: '1852', locale: 'en-GB', address: { locality: 'Oxford', country: 'UK' } });
    expect(u.emailVerified).to.equal(false);
    expect(u.updatedAt).to.be.a('string');
    const byAdmin = await a.admin(UPDATE, { id: String(a.alice.id), i: { phoneNumberVerified: true, givenName: null } });
    expect(byAdmin.data.updateProfile.user.profile).to.include({ phoneNumberVerified: true, givenName: null, name: 'Alice Liddell' });
    const changed = await a.user(UPDATE, { id: String(a.alice.id), i: { phoneNumber: '+33699999999' } });
    expect(changed.data.updateProfile.user.profile.phoneNumberVerified).to.equal(false);
    expect((await a.user('{ viewer { profile { address { locality } } } }')).data.viewer.profile.address.locality).to.equal('Oxford');
  });

  it("a non-admin cannot edit another user's profile (NOT_FOUND, nothing changes); an admin can", async () => {
    const r = await a.user(UPDATE, { id: String(a.root.id), i: { name: 'Mallory' } });
    expect(code(r)).to.equal('NOT_FOUND');
    expect(r.data).to.equal(null);
    expect((await a.admin('{ viewer { profile { name } } }')).data.viewer.profile.name).to.equal(null);
    const ok = await a.admin(UPDATE, { id: String(a.root.id), i: { name: 'Root' } });
    expect(ok.data.updateProfile.user.profile.name).to.equal('Root');
  });

  it('needs the write scope for a user token', async () => {
    expect(code(await a.userReadOnly(UPDATE, { id: String(a.alice.id), i: { name: 'x' } }))).to.equal('FORBIDDEN');
  });

  it('refuses invalid values with BAD_USER_INPUT naming each field, and stores nothing', async () => {
    const r = await a.user(UPDATE, { id: String(a.alice.id), i: { website: 'javascript:alert(1)', picture: 'ftp://x.example/p.png', birthdate: '1852-13-01', phoneNumber: '06 12 34 56 78', locale: 'not a locale', zoneinfo: '../etc', nickname: 'x'.repeat(256), email: 'nope', address: { region: 'y'.repeat(300) } } });
    expect(code(r)).to.equal('BAD_USER_INPUT');
    const fields = (r.errors![0] as unknown as { extensions: { fields: { path: string[] }[] } }).extensions.fields.map((f) => f.path.join('.'));
    expect(fields).to.have.members(['input.website', 'input.picture', 'input.birthdate', 'input.phoneNumber', 'input.locale', 'input.zoneinfo', 'input.nickname', 'input.email', 'input.address.region']);
    expect((await a.user('{ viewer { profile { website } } }')).data.viewer.profile.website).to.equal('https://alice.example');
  });
});
