import { expect } from 'chai';
import { createTestApp, type TestServer } from '../helpers.ts';
import { actors, CLIENT_INPUT } from './gql-helpers.ts';

describe('GraphQL: signing keys (administrators only) and clients\' OIDC fields', () => {
  let srv: TestServer;
  let a: Awaited<ReturnType<typeof actors>>;
  before(async () => {
    srv = await createTestApp();
    a = await actors(srv);
  });
  after(() => srv.close());

  const KEYS = '{ signingKeys { kid alg status createdAt retiresAt } }';

  it('an administrator lists every key\'s public description: a current and a next key per algorithm', async () => {
    const { data, errors } = await a.admin(KEYS);
    expect(errors).to.equal(undefined);
    for (const alg of ['RS256', 'ES256', 'EDDSA']) {
      expect(data.signingKeys.filter((k: { alg: string }) => k.alg === alg).map((k: { status: string }) => k.status)).to.deep.equal(['CURRENT', 'NEXT']);
    }
    expect(data.signingKeys[0].retiresAt).to.equal(null);
    expect(Date.parse(data.signingKeys[0].createdAt)).to.be.a('number').and.not.NaN;
  });

  it('rotateSigningKeys: next becomes current, the old current is retired with the time it leaves the JWKS', async () => {
    const before = (await a.admin(KEYS)).data.signingKeys as { kid: string; alg: string; status: string }[];
    const nextEs = before.find((k) => k.alg === 'ES256' && k.status === 'NEXT')!.kid;
    const currentEs = before.find((k) => k.alg === 'ES256' && k.status === 'CURRENT')!.kid;
    // Fresh next keys: relying parties may not have fetched them yet, so the rotation is refused and nothing moves.
    const early = await a.admin('mutation { rotateSigningKeys { currentKids nextKids } }');
    expect(early.errors?.[0]?.extensions).to.include({ code: 'ROTATION_TOO_SOON' });
    expect(early.errors![0].extensions.retryInSeconds).to.be.a('number').above(0);
    expect(early.errors![0].message).to.match(/Rotate again in \d+ s.*force: true/);
    srv.app.signingKeys.invalidate();
    expect((await srv.app.signingKeys.signingKey('ES256')).kid).to.equal(currentEs);
    const { data, errors } = await a.admin('mutation { rotateSigningKeys(force: true) { currentKids nextKids } }');
    expect(errors).to.equal(undefined);
    expect(data.rotateSigningKeys.currentKids).to.include(nextEs);
    const after = (await a.admin(KEYS)).data.signingKeys as { kid: string; status: string; retiresAt: string | null }[];
    expect(after.find((k) => k.kid === nextEs)!.status).to.equal('CURRENT');
    const retired = after.find((k) => k.kid === currentEs)!;
    expect(retired.status).to.equal('RETIRED');
    // Published as long as an access token (the longest-lived token it signed) may live, plus the ring's cache period.
    expect(Date.parse(retired.retiresAt!) - Date.now()).to.be.at.least(srv.app.config.tokens.accessTokenTtl * 1000 - 5_000);
    expect((await srv.app.signingKeys.signingKey('ES256')).kid).to.equal(nextEs);
    const jwks = await (await fetch(`${srv.url}/.well-known/jwks.json`)).json() as { keys: { kid: string }[] };
    expect(jwks.keys.map((k) => k.kid)).to.include.members([currentEs, nextEs]);
  });

  it('a non-administrator gets FORBIDDEN on signingKeys and rotateSigningKeys, and nothing rotates', async () => {
    const kid = (await srv.app.signingKeys.signingKey('RS256')).kid;
    for (const as of [a.user, a.userReadOnly]) {
      const list = await as(KEYS);
      expect(list.errors?.[0]?.extensions?.code).to.equal('FORBIDDEN');
      expect(list.data).to.equal(null);
      const rotate = await as('mutation { rotateSigningKeys(force: true) { currentKids } }');
      expect(rotate.errors?.[0]?.extensions?.code).to.equal('FORBIDDEN');
    }
    expect((await a.anonymous(KEYS)).errors?.[0]?.extensions?.code).to.equal('UNAUTHENTICATED');
    srv.app.signingKeys.invalidate();
    expect((await srv.app.signingKeys.signingKey('RS256')).kid).to.equal(kid);
  });

  it('an owner registers a client with JWT access tokens and an ES256 ID Token, and reads them back; NONE is no SigningAlg', async () => {
    const { data, errors } = await a.user(`mutation ($input: ClientInput!) { registerClient(input: $input) { client { id accessTokenFormat idTokenSignedResponseAlg } } }`,
      { input: { ...CLIENT_INPUT, accessTokenFormat: 'JWT', idTokenSignedResponseAlg: 'ES256' } });
    expect(errors).to.equal(undefined);
    expect(data.registerClient.client).to.include({ accessTokenFormat: 'JWT', idTokenSignedResponseAlg: 'ES256' });
    // Left out on update: the choice stays.
    const updated = await a.user(`mutation ($id: ID!, $input: ClientInput!) { updateClient(id: $id, input: $input) { client { accessTokenFormat idTokenSignedResponseAlg } } }`,
      { id: data.registerClient.client.id, input: { ...CLIENT_INPUT, name: 'Renamed' } });
    expect(updated.data.updateClient.client).to.include({ accessTokenFormat: 'JWT', idTokenSignedResponseAlg: 'ES256' });
    const none = await a.user(`mutation ($input: ClientInput!) { registerClient(input: $input) { client { id } } }`, { input: { ...CLIENT_INPUT, idTokenSignedResponseAlg: 'NONE' } });
    expect(none.errors).to.have.length(1);
  });
});

describe('signing keys outlive every token they signed (attacker read 13A, F3)', () => {
  it('with ACCESS_TOKEN_TTL=60, a retired key stays published for the longest lifetime a client (ACCESS_TOKEN_MAX_LIFETIME) or a resource server may give a JWT access token', async () => {
    const srv = await createTestApp({ tokens: { accessTokenTtl: 60 } });
    try {
      const a = await actors(srv);
      const rotated = await a.admin('mutation { rotateSigningKeys(force: true) { currentKids } }');
      expect(rotated.errors).to.equal(undefined);
      const keys = (await a.admin('{ signingKeys { kid status retiresAt } }')).data.signingKeys as { status: string; retiresAt: string | null }[];
      const retired = keys.filter((k) => k.status === 'RETIRED');
      expect(retired).to.have.length(3);
      // A client's 24 h JWT minted just before the rotation must still verify against the JWKS until it expires.
      const longest = Math.max(srv.app.config.tokens.accessTokenMaxLifetime, 86_400) * 1000;
      for (const k of retired) expect(Date.parse(k.retiresAt!) - Date.now()).to.be.at.least(longest - 5_000);
    } finally {
      await srv.close();
    }
  });
});
