import { expect } from 'chai';
import { getIntrospectionQuery } from 'graphql';
import { createTestApp, type TestServer } from '../helpers.ts';
import { actors, gql, type Gql } from '../graphql/gql-helpers.ts';

// Issue 17 #2: one small anonymous document must not buy seconds of CPU. Every shape below used to be (or could
// be) worse than linear somewhere between the HTTP request and the resolvers: our depth/cost walk followed each
// fragment spread anew (2^25 visits for 1 KB), and graphql-js's OverlappingFieldsCanBeMerged compares fields
// pairwise. Each is answered with a 400-class GraphQL error well within the bound, the whole request timed.
const BOUND_MS = 2000; // generous for a loaded 2-core box; the fragment bomb alone took 80 s before the fix

/** `fragment F1 on Query { ...F2 ...F2 }` ... 25 levels: 1 KB that expands to 2^25 selections. */
function fragmentBomb(levels = 25, operation = 'Q'): string {
  let q = `query ${operation} { ...F1 }\n`;
  for (let i = 1; i < levels; i++) q += `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }\n`;
  return `${q}fragment F${levels} on Query { viewer { id } }\n`;
}

const deep = (levels: number) => `{ viewer { ${'clients { nodes { owner { '.repeat(levels)}id${' } } }'.repeat(levels)} } }`;

async function timed(call: Gql, query: string, variables?: Record<string, unknown>) {
  const start = performance.now();
  const r = await call(query, variables);
  return { ...r, ms: performance.now() - start };
}

describe('security: GraphQL work is linear in the document (issue 17 #2)', function () {
  this.timeout(120_000);
  let srv: TestServer;
  let a: Awaited<ReturnType<typeof actors>>;
  before(async () => {
    srv = await createTestApp();
    a = await actors(srv);
    await a.anonymous('{ __typename }'); // graphql-yoga loads on the first call: not part of any bound below
  });
  after(() => srv.close());

  const shapes: [string, () => string, string][] = [
    ['the fragment bomb (25 levels of doubling spreads)', () => fragmentBomb(), 'QUERY_TOO_COMPLEX'],
    ['a wide fragment spread under hundreds of aliases', () => `{ ${Array.from({ length: 300 }, (_, i) => `a${i}: viewer { ...W }`).join(' ')} }\nfragment W on User { id username email isAdmin isActive createdAt }`, 'QUERY_TOO_COMPLEX'],
    ['the same field repeated (pairwise field merging)', () => `{ ${Array(300).fill('viewer { ...W }').join(' ')} }\nfragment W on User { id username email }`, 'QUERY_TOO_COMPLEX'],
    ['thousands of aliases (token budget)', () => `{${Array.from({ length: 1000 }, (_, i) => `a${i}:viewer{id}`).join(' ')}}`, 'QUERY_TOO_COMPLEX'],
    ['deep nesting', () => deep(60), 'QUERY_TOO_COMPLEX'],
    ['very deep nesting', () => `{ ${'viewer { '.repeat(5000)}id${' }'.repeat(5000)} }`, 'QUERY_TOO_COMPLEX'],
    ['many operations', () => Array.from({ length: 2000 }, (_, i) => `query Q${i} { viewer { id } }`).join('\n'), 'QUERY_TOO_COMPLEX'],
    ['a document padded with comments', () => `#${'x'.repeat(60_000)}\n{ viewer { id } }`, 'QUERY_TOO_COMPLEX'],
    ['a fragment cycle', () => '{ ...A }\nfragment A on Query { ...B viewer { id } }\nfragment B on Query { ...A }', 'GRAPHQL_VALIDATION_FAILED'],
  ];

  for (const who of ['anonymous', 'user'] as const) {
    for (const [name, query, code] of shapes) {
      it(`refuses ${name} as ${who === 'user' ? 'a signed-in user' : 'an anonymous caller'}, within ${BOUND_MS} ms`, async () => {
        const r = await timed(a[who], query());
        expect(r.ms, `${r.ms.toFixed(0)} ms`).to.be.below(BOUND_MS);
        expect(r.status).to.be.within(400, 499);
        expect(r.data ?? null).to.equal(null);
        expect(r.errors![0].extensions.code).to.equal(code);
      });
    }
  }

  it('answers the bomb under fresh operation names (no cache to hide behind), each within the bound', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await timed(a.anonymous, fragmentBomb(25, `Renamed${i}`));
      expect(r.ms, `${r.ms.toFixed(0)} ms`).to.be.below(BOUND_MS);
      expect(r.errors![0].extensions.code).to.equal('QUERY_TOO_COMPLEX');
    }
  });

  it('keeps answering other callers while bombs arrive', async () => {
    const start = performance.now();
    const bombs = Array.from({ length: 10 }, (_, i) => a.anonymous(fragmentBomb(25, `Meanwhile${i}`)));
    const [viewer, ...rest] = await Promise.all([a.user('{ viewer { username } }'), ...bombs]);
    expect(performance.now() - start).to.be.below(BOUND_MS * 3);
    expect(viewer.data.viewer.username).to.equal('alice');
    for (const r of rest) expect(r.errors![0].extensions.code).to.equal('QUERY_TOO_COMPLEX');
  });

  it('answers huge and deeply nested variables without a 5xx, within the bound', async () => {
    const cases: [string, Record<string, unknown>, string | null][] = [
      ['query($id: ID!) { client(id: $id) { id } }', { id: '9'.repeat(90_000) }, null],
      ['query($t: [String!]) { events(filter: { types: $t }) { totalCount } }', { t: Array.from({ length: 8000 }, (_, i) => `t${i}`) }, 'QUERY_TOO_COMPLEX'],
      ['query($f: TokenFilter) { tokens(filter: $f) { totalCount } }', { f: JSON.parse('{"userId":'.repeat(2000) + '1' + '}'.repeat(2000)) }, 'QUERY_TOO_COMPLEX'],
    ];
    for (const call of [a.anonymous, a.user, a.admin]) {
      for (const [query, variables, code] of cases) {
        const r = await timed(call, query, variables);
        expect(r.ms, `${r.ms.toFixed(0)} ms`).to.be.below(BOUND_MS);
        expect(r.status, JSON.stringify(r.errors)).to.be.below(500);
        if (code) {
          expect(r.status).to.equal(400);
          expect(r.errors![0].extensions.code).to.equal(code);
        }
      }
    }
  });

  it('still runs what admin tools send: the full introspection query and a clients page', async () => {
    const intro = await a.user(getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true }));
    expect(intro.errors).to.equal(undefined);
    expect(intro.data.__schema.queryType.name).to.equal('Query');
    const page = await a.admin('{ clients(first: 50) { totalCount nodes { id clientId name clientType grantTypes redirectUris allowedScopes owner { username } grants { nodes { user { username } liveTokens { kind } } } } } }');
    expect(page.errors).to.equal(undefined);
  });
});

describe('security: the schema is not shown to anonymous callers (issue 17 #2)', () => {
  let srv: TestServer;
  let a: Awaited<ReturnType<typeof actors>>;
  afterEach(() => srv.close());

  for (const env of ['test', 'production'] as const) {
    it(`refuses __schema and __type to anonymous callers and gives them no "did you mean" hints (${env})`, async () => {
      srv = await createTestApp(env === 'production'
        ? { env, issuer: 'https://gatehouse.example', allowInsecureTransport: true, sessionKeys: ['k'.repeat(32)], secretPepper: 'p'.repeat(32), encryptionKey: 'e'.repeat(64) }
        : {});
      a = await actors(srv);
      for (const query of ['{ __schema { types { name } } }', '{ __type(name: "User") { fields { name } } }', '{ viewer { id __type(name: "Token") { name } } }']) {
        const r = await a.anonymous(query);
        expect(r.data ?? null, query).to.equal(null);
        expect(r.errors![0].extensions.code, query).to.equal('GRAPHQL_VALIDATION_FAILED');
      }
      // Misspelt fields, arguments, types and enum values (in literals and in variables).
      const probes: [string, Record<string, unknown>?][] = [
        ['{ viewr { id } }'], ['{ viewer { usernam } }'], ['{ tokens(fillter: {}) { totalCount } }'], ['query($f: TokenFiltr) { tokens(filter: $f) { totalCount } }'],
        ['{ tokens(filter: { kind: ACCES }) { totalCount } }'], ['query($f: TokenFilter) { tokens(filter: $f) { totalCount } }', { f: { kind: 'ACCES' } }],
      ];
      for (const [query, variables] of probes) {
        const anonymous = await a.anonymous(query, variables);
        expect(anonymous.errors, query).to.have.length.greaterThan(0);
        expect(JSON.stringify(anonymous.errors), query).not.to.match(/did you mean/i);
      }
      // Signed-in callers introspect (admin tools and codegen need it); in production without hints.
      const signedIn = await a.user('{ __schema { queryType { name } } }');
      expect(signedIn.data.__schema.queryType.name).to.equal('Query');
      const hint = await a.user('{ viewer { usernam } }');
      if (env === 'production') expect(JSON.stringify(hint.errors)).not.to.match(/did you mean/i);
      else expect(JSON.stringify(hint.errors)).to.match(/did you mean/i);
      // A bearer header that authenticates nobody is no way around it.
      const forged = await gql(srv.url, 'not-a-token')('{ __schema { types { name } } }');
      expect(forged.data ?? null).to.equal(null);
    });
  }
});
