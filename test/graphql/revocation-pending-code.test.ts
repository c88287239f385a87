import { expect } from 'chai';
import { createTestApp, type TestServer } from '../helpers.ts';
import { codeFlowSetup, getCode, postForm } from '../oauth-helpers.ts';
import { actors } from './gql-helpers.ts';

type Setup = Awaited<ReturnType<typeof codeFlowSetup>>;

/** A refresh token from one finished code round, and a second code the client has not redeemed yet. */
async function consentWithPendingCode(srv: TestServer, setup: Setup) {
  const first = await getCode(setup);
  const tokens = await (await postForm(`${srv.url}/o/token/`, { grant_type: 'authorization_code', code: first.code, redirect_uri: 'https://client.example.com/cb', code_verifier: first.verifier }, setup.auth)).json();
  expect(tokens.refresh_token, 'the first round issues a refresh token').to.be.a('string');
  return { refreshToken: tokens.refresh_token as string, pending: await getCode(setup) };
}

/** RFC 6749 §5.2: a code or refresh token whose authorization was revoked is invalid_grant. */
async function expectDead(srv: TestServer, setup: Setup, { refreshToken, pending }: Awaited<ReturnType<typeof consentWithPendingCode>>) {
  const code = await postForm(`${srv.url}/o/token/`, { grant_type: 'authorization_code', code: pending.code, redirect_uri: 'https://client.example.com/cb', code_verifier: pending.verifier }, setup.auth);
  expect(code.status, 'the pending code').to.equal(400);
  expect((await code.json()).error).to.equal('invalid_grant');
  const refresh = await postForm(`${srv.url}/o/token/`, { grant_type: 'refresh_token', refresh_token: refreshToken }, setup.auth);
  expect(refresh.status, 'the refresh token').to.equal(400);
  expect((await refresh.json()).error).to.equal('invalid_grant');
}

describe('GraphQL revocation: RFC 6749 §4.1.2 codes and RFC 7009 refresh tokens of a revoked authorization', () => {
  let srv: TestServer;
  let a: Awaited<ReturnType<typeof actors>>;
  beforeEach(async () => { srv = await createTestApp(); a = await actors(srv); });
  afterEach(() => srv.close());

  // Each revocation the admin API offers, as an administrator calls it for the person of `setup`.
  const revocations: Record<string, (setup: Setup) => Promise<{ errors?: unknown[] }>> = {
    async revokeGrant(setup) {
      const grants = await a.admin('query($u: ID) { grants(userId: $u) { nodes { id } } }', { u: String(setup.user.id) });
      return a.admin('mutation($id: ID!) { revokeGrant(id: $id) { revokedTokens } }', { id: grants.data.grants.nodes[0].id });
    },
    revokeAllForUser: (setup) => a.admin('mutation($u: ID!) { revokeAllForUser(userId: $u) { revokedTokens } }', { u: String(setup.user.id) }),
    revokeAllForClient: (setup) => a.admin('mutation($c: ID!) { revokeAllForClient(clientId: $c) { revokedTokens } }', { c: String(setup.client.id) }),
  };

  for (const [mutation, revoke] of Object.entries(revocations)) {
    it(`${mutation}: a pending code no longer redeems, the refresh tokens are dead`, async () => {
      const setup = await codeFlowSetup(srv);
      const held = await consentWithPendingCode(srv, setup);
      expect((await revoke(setup)).errors).to.equal(undefined);
      await expectDead(srv, setup, held);
    });
  }
});
