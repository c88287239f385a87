import { expect } from 'chai';
import { createTestApp, type TestServer } from '../helpers.ts';
import { actors } from '../graphql/gql-helpers.ts';

// Issue 17 #13 (GraphQL): input the database cannot take must be refused before it gets there, as a 4xx GraphQL
// error or a clean not-found, never a 500: a NUL escaped inside a GraphQL string (PostgreSQL refuses NUL in
// text), and ids beyond PostgreSQL's int4 (an `integer` column compared with 99999999999 is an error there).
describe('security: GraphQL input the database cannot take (issue 17 #13)', () => {
  let srv: TestServer;
  let a: Awaited<ReturnType<typeof actors>>;
  before(async () => { srv = await createTestApp(); a = await actors(srv); });
  after(() => srv.close());

  const BIG = '99999999999';

  it('refuses a NUL or a lone surrogate escaped in a string literal with a 4xx GraphQL error', async () => {
    for (const escaped of ['a\\u0000b', '\\u0000', 'é\\u0000\\u0000']) {
      for (const query of [`{ client(clientId: "${escaped}") { id } }`, `{ events(filter: { types: ["${escaped}"] }) { totalCount } }`, `mutation { revokeToken(id: "${escaped}") { revokedTokens } }`]) {
        const r = await a.admin(query);
        expect(r.status, `${query}: ${JSON.stringify(r.errors)}`).to.be.within(400, 499);
        expect(r.data ?? null).to.equal(null);
        expect(r.errors![0].extensions.code, query).to.equal('BAD_USER_INPUT');
      }
    }
    // A lone surrogate escape never becomes a string: graphql-js's lexer refuses it (a syntax error, no 5xx).
    const lone = await a.admin('{ client(clientId: "x\\uD800y") { id } }');
    expect(lone.status).to.be.below(500);
    expect(lone.data ?? null).to.equal(null);
  });

  it('refuses a NUL in variables, whichever way they are sent, with a 4xx', async () => {
    const query = 'query($c: String) { client(clientId: $c) { id } }';
    const headers = { authorization: `Bearer ${a.adminToken}`, accept: 'application/json' };
    const variables = JSON.stringify({ c: 'a\u0000b' }); // JSON's \u0000 escape: the NUL exists only once decoded
    const sent = [
      await fetch(`${srv.url}/graphql?${new URLSearchParams({ query, variables })}`, { headers }),
      await fetch(`${srv.url}/graphql`, { method: 'POST', headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ query, variables }) }),
      await fetch(`${srv.url}/graphql`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ query, variables: { c: 'a\u0000b' } }) }),
      await fetch(`${srv.url}/graphql`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ query: 'query($f: TokenFilter) { tokens(filter: $f) { totalCount } }', variables: { f: { userId: '\u0000' } } }) }),
      await fetch(`${srv.url}/graphql`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ query: 'mutation($i: ClientInput!) { registerClient(input: $i) { clientSecret } }', variables: { i: { name: 'n', grantTypes: ['AUTHORIZATION_CODE'], redirectUris: ['https://a.example/\u0000'], allowedScopes: ['read'] } } }) }),
    ];
    for (const res of sent) expect(res.status, await res.text()).to.be.within(400, 499);
  });

  it(`answers ids beyond int4 (${BIG}) as not found, never a 500`, async () => {
    const notFound = [
      `mutation { revokeToken(id: "refresh:${BIG}") { revokedTokens } }`,
      `mutation { revokeToken(id: "access:2147483648") { revokedTokens } }`,
      `mutation { revokeToken(id: "oauth1:${BIG}${BIG}") { revokedTokens } }`,
      `mutation { revokeGrant(id: "${BIG}") { revokedTokens } }`,
      `mutation { revokeAllForClient(clientId: "${BIG}") { revokedTokens } }`,
      `mutation { setUserActive(id: "${BIG}", active: false) { user { id } } }`,
      `mutation { rotateClientSecret(id: "${BIG}") { clientSecret } }`,
      `mutation { deleteClient(id: "${BIG}") { deletedId } }`,
    ];
    for (const query of notFound) {
      const r = await a.admin(query);
      expect(r.status, query).to.be.below(500);
      expect(r.errors?.[0]?.extensions.code, `${query}: ${JSON.stringify(r.errors)}`).to.equal('NOT_FOUND');
    }
    // No such user: refused or not found, as the authorization policy decides, but never a 500.
    const everyone = await a.admin(`mutation { revokeAllForUser(userId: "${BIG}") { revokedTokens } }`);
    expect(everyone.status).to.be.below(500);
    expect(everyone.errors?.[0]?.extensions.code ?? 'none').to.be.oneOf(['NOT_FOUND', 'FORBIDDEN', 'none']);
    const empty: [string, (d: any) => unknown, unknown][] = [
      [`{ client(id: "${BIG}") { id } }`, (d) => d.client, null],
      [`{ tokens(filter: { userId: "${BIG}" }) { totalCount } }`, (d) => d.tokens.totalCount, 0],
      [`{ tokens(filter: { clientId: "${BIG}", kind: REFRESH }) { totalCount } }`, (d) => d.tokens.totalCount, 0],
      [`{ grants(userId: "${BIG}", clientId: "${BIG}") { totalCount } }`, (d) => d.grants.totalCount, 0],
      [`{ events(filter: { userId: "${BIG}" }) { totalCount } }`, (d) => d.events.totalCount, 0],
      [`{ events(filter: { userId: "not-a-number" }) { totalCount } }`, (d) => d.events.totalCount, 0],
    ];
    for (const [query, pick, expected] of empty) {
      const r = await a.admin(query);
      expect(r.status, query).to.be.below(500);
      expect(r.errors, `${query}: ${JSON.stringify(r.errors)}`).to.equal(undefined);
      expect(pick(r.data), query).to.equal(expected);
    }
  });

  it('refuses a cursor beyond int4 as bad input', async () => {
    const after = Buffer.from(`c:${BIG}${BIG}`).toString('base64url');
    const r = await a.admin(`{ clients(after: "${after}") { totalCount } }`);
    expect(r.status).to.be.below(500);
    expect(r.errors![0].extensions.code).to.equal('BAD_USER_INPUT');
  });

  it('still finds rows by their ids', async () => {
    const { client } = await srv.app.seed.client({ owner: a.alice, name: 'Findable' });
    const r = await a.admin(`{ client(id: "${client.id}") { name } }`);
    expect(r.data.client.name).to.equal('Findable');
  });
});
