// Attacker read 13B: three ways one small GraphQL request bought unbounded work through the cost limits.
// F3: a scalar list counted as one value and a client could hold ~990 redirect URIs, so 600 aliased redirectUris
// of one client answered 59 MB (650: a 500). F1: totalCount cost nothing, though each on a root connection is a
// COUNT (a full scan): 320 aliases held SQLite 2.3 s and took every PostgreSQL connection. F2: any number of root
// mutation fields per request (110 updateProfile wrote 110 audit events in 65 ms).
import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import { Browser, createTestApp, type TestServer } from '../helpers.ts';
import { CALLBACK, DocumentServer } from '../document-server.ts';
import { pkcePair } from '../oauth-helpers.ts';
import { actors, CLIENT_INPUT } from '../graphql/gql-helpers.ts';
import { MAX_ALLOWED_ORIGINS, MAX_REDIRECT_URIS, MAX_URI_LIST_CHARS } from '../../src/oauth2/client-registration.ts';

const uris = (n: number) => Array.from({ length: n }, (_, i) => `https://rp.example/cb/${i}`);
const aliases = (n: number, field: string) => Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ');

describe('security: GraphQL amplification through aliases (attacker read 13B)', function () {
  this.timeout(60_000);
  let srv: TestServer;
  let a: Awaited<ReturnType<typeof actors>>;
  before(async () => {
    srv = await createTestApp({ registration: 'open', rateLimit: { registrationsPerSource: 1_000 } });
    a = await actors(srv);
  });
  after(() => srv.close());

  describe('F3: scalar lists are bounded where written, and counted as their bound', () => {
    it('GraphQL registerClient and updateClient refuse more redirect or post-logout redirect URIs than the bound (BAD_USER_INPUT), and store none', async () => {
      for (const field of ['redirectUris', 'postLogoutRedirectUris', 'allowedOrigins']) {
        const list = field === 'allowedOrigins' ? uris(MAX_ALLOWED_ORIGINS + 1).map((_, i) => `https://o${i}.example`) : uris(MAX_REDIRECT_URIS + 1);
        const r = await a.user('mutation($i: ClientInput!) { registerClient(input: $i) { client { id } } }', { i: { ...CLIENT_INPUT, [field]: list } });
        expect(r.errors?.[0].extensions.code, field).to.equal('BAD_USER_INPUT');
        expect(r.errors?.[0].extensions.fields.map((f: { path: string[] }) => f.path.at(-1)), field).to.include(field);
      }
      const ok = await a.user('mutation($i: ClientInput!) { registerClient(input: $i) { client { id redirectUris } } }', { i: { ...CLIENT_INPUT, redirectUris: uris(MAX_REDIRECT_URIS) } });
      expect(ok.data.registerClient.client.redirectUris).to.have.length(MAX_REDIRECT_URIS);
      const up = await a.user('mutation($id: ID!, $i: ClientInput!) { updateClient(id: $id, input: $i) { client { id } } }', { id: ok.data.registerClient.client.id, i: { ...CLIENT_INPUT, redirectUris: uris(MAX_REDIRECT_URIS + 1) } });
      expect(up.errors?.[0].extensions.code).to.equal('BAD_USER_INPUT');
      const [row] = await srv.app.stores.sql.all<{ n: number }>('select count(*) as n from applications where name = ?', ['Via GraphQL']);
      expect(Number(row.n)).to.equal(1);
    });

    // Counted by items, 100 redirect URIs of ~960 characters each still let 490 aliases answer 47 MB: each list's
    // characters are bounded too, so an answer's bytes stay within its values' worth.
    it('a list of URIs is bounded in characters too (MAX_URI_LIST_CHARS), on GraphQL and RFC 7591 alike', async () => {
      const long = Array.from({ length: 30 }, (_, i) => `https://rp.example/${i}/${'x'.repeat(Math.ceil(MAX_URI_LIST_CHARS / 30))}`);
      const r = await a.user('mutation($i: ClientInput!) { registerClient(input: $i) { client { id } } }', { i: { ...CLIENT_INPUT, name: 'Long URIs', redirectUris: long } });
      expect(r.errors?.[0].extensions.code).to.equal('BAD_USER_INPUT');
      const res = await fetch(`${srv.url}/o/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_name: 'RP', redirect_uris: long }) });
      expect(res.status).to.equal(400);
      expect((await res.json()).error).to.equal('invalid_redirect_uri');
      expect(await srv.app.stores.sql.all('select id from applications where name = ?', ['Long URIs'])).to.deep.equal([]);
    });

    it('origins and request_uris are bounded in characters too, and an RSA public key is stored as the key alone (attacker read 14, F1–F3)', async () => {
      const register = (i: Record<string, unknown>) => a.user('mutation($i: ClientInput!) { registerClient(input: $i) { client { id rsaPublicKey } } }', { i: { ...CLIENT_INPUT, name: 'Bounded', ...i } });
      // 100 origins of ~900 characters: within the count, far past the characters.
      const origins = Array.from({ length: MAX_ALLOWED_ORIGINS }, (_, i) => `https://${String(i).padStart(3, '0')}${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.example`);
      expect((await register({ allowedOrigins: origins })).errors?.[0].extensions.code).to.equal('BAD_USER_INPUT');
      const requestUris = Array.from({ length: 10 }, (_, i) => `https://rp.example/${i}/${'r'.repeat(1_990)}`);
      expect((await register({ requestUris })).errors?.[0].extensions.code).to.equal('BAD_USER_INPUT');
      // 95 KB of text before a real key: OpenSSL's PEM reader skips it, the stored value must not keep it.
      const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
      const padded = await register({ oauth1Enabled: true, rsaPublicKey: `${'junk '.repeat(19_000)}\n${pem}` });
      expect(padded.errors?.[0].extensions.code).to.equal('BAD_USER_INPUT');
      const clean = await register({ oauth1Enabled: true, rsaPublicKey: pem });
      expect(clean.data.registerClient.client.rsaPublicKey.trim()).to.equal(pem.trim());
      expect(await srv.app.stores.sql.all('select id from applications where name = ? and length(rsa_public_key) > 2000', ['Bounded'])).to.deep.equal([]);
    });

    it('RFC 7591 registration and RFC 7592 update refuse too many redirect URIs with invalid_redirect_uri', async () => {
      const post = (body: unknown) => fetch(`${srv.url}/o/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const many = await post({ client_name: 'RP', redirect_uris: uris(MAX_REDIRECT_URIS + 1) });
      expect(many.status).to.equal(400);
      expect((await many.json()).error).to.equal('invalid_redirect_uri');
      const logout = await post({ client_name: 'RP', redirect_uris: uris(1), post_logout_redirect_uris: uris(MAX_REDIRECT_URIS + 1) });
      expect(logout.status).to.equal(400);
      expect((await logout.json()).error).to.equal('invalid_client_metadata');
      const reg = await (await post({ client_name: 'RP', redirect_uris: uris(1) })).json();
      const put = await fetch(reg.registration_client_uri, { method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${reg.registration_access_token}` }, body: JSON.stringify({ client_id: reg.client_id, client_name: 'RP', redirect_uris: uris(MAX_REDIRECT_URIS + 1) }) });
      expect(put.status).to.equal(400);
      expect((await put.json()).error).to.equal('invalid_redirect_uri');
    });

    it('the registration form refuses too many redirect URIs (400), registering nothing', async () => {
      const b = await a.aliceBrowser();
      const res = await b.post('/o/applications/register/', {
        ...(await b.formFields('/o/applications/register/')), name: 'Form bound', client_type: 'confidential', grant_types: ['authorization_code'],
        redirect_uris: uris(MAX_REDIRECT_URIS + 1).join('\n'), allowed_scopes: ['read'],
      });
      expect(res.status).to.equal(400);
      expect(await srv.app.stores.sql.all('select id from applications where name = ?', ['Form bound'])).to.deep.equal([]);
    });

    it('a client ID metadata document with too many redirect URIs is refused at authorization, and nothing is stored', async () => {
      const site = await new DocumentServer().start();
      const t = await createTestApp({ outboundAllowedHosts: ['127.0.0.1'], clientIdMetadata: { minTtl: 1 } });
      try {
        const user = await t.app.seed.user({ username: 'cimd' });
        const b = new Browser(t.url);
        await b.login('cimd', user.password);
        const list = Array.from({ length: MAX_REDIRECT_URIS + 1 }, (_, i) => `${CALLBACK}/${i}`);
        const clientId = site.doc('/many.json', { redirect_uris: list });
        const { challenge } = pkcePair();
        const res = await b.get(`/o/authorize/?${new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: list[0], scope: 'read', state: 's', code_challenge: challenge, code_challenge_method: 'S256' })}`);
        expect(res.status).to.equal(400);
        expect(await t.app.stores.sql.all('select id from applications where client_id = ?', [clientId])).to.deep.equal([]);
      } finally { await t.close(); site.close(); }
    });

    it('600 aliases of one client\'s redirectUris are refused before execution (QUERY_TOO_COMPLEX), and a page of lists still answers', async () => {
      const c = await a.user('mutation($i: ClientInput!) { registerClient(input: $i) { client { id } } }', { i: { ...CLIENT_INPUT, name: 'Aliased', redirectUris: uris(50) } });
      const id = c.data.registerClient.client.id;
      const r = await a.user(`{ client(id: "${id}") { ${aliases(600, 'redirectUris')} } }`);
      expect(r.status).to.equal(400);
      expect(r.errors?.[0].extensions.code).to.equal('QUERY_TOO_COMPLEX');
      expect(r.data ?? null).to.equal(null);
      const page = await a.user(`{ clients(first: 12) { nodes { ${aliases(400, 'redirectUris')} } } }`);
      expect(page.errors?.[0].extensions.code).to.equal('QUERY_TOO_COMPLEX');
      const fine = await a.user('{ clients(first: 100) { nodes { redirectUris postLogoutRedirectUris allowedOrigins allowedScopes requestUris grantTypes responseTypes } } }');
      expect(fine.errors ?? []).to.deep.equal([]);
    });
  });

  describe('F1: totalCount of a root connection has a cost', () => {
    before(async () => {
      // A few thousand audit rows (the count is what is refused, not timed).
      await srv.app.stores.sql.run("with recursive n(i) as (select 1 union all select i + 1 from n where i < 3000) insert into events (type, created_at) select 'test.bulk', 0 from n");
    });

    it('hundreds of aliased totalCounts on root connections are refused before any count runs; a handful pass', async () => {
      for (const q of [`{ ${aliases(320, 'events { totalCount }')} }`, `{ ${aliases(40, 'events(first: 0) { totalCount }')} }`, `fragment C on Query { t: tokens { totalCount } } { ${aliases(20, 'viewer { id }')} ...C a: events { totalCount } b: grants { totalCount } c: clients { totalCount } d: users { totalCount } e: tokens(filter: { kind: REFRESH }) { totalCount } f: events(first: 1) { totalCount } g: events(first: 2) { totalCount } h: events(first: 3) { totalCount } i: events(first: 4) { totalCount } }`]) {
        const r = await a.admin(q);
        expect(r.status, q.slice(0, 60)).to.equal(400);
        expect(r.errors?.[0].extensions.code).to.equal('QUERY_TOO_COMPLEX');
      }
      const read = await a.userReadOnly(`{ ${aliases(320, 'tokens { totalCount }')} }`);
      expect(read.errors?.[0].extensions.code).to.equal('QUERY_TOO_COMPLEX');
      const few = await a.admin('{ events { totalCount } grants { totalCount } clients { totalCount } users { totalCount } tokens { totalCount } }');
      expect(few.errors ?? []).to.deep.equal([]);
      expect(few.data.events.totalCount).to.be.at.least(3000);
    });

    it('the admin console\'s clients page (a nested grants totalCount per client) still answers', async () => {
      const r = await a.admin('{ clients(first: 50) { nodes { id clientId name clientType owner { username } grants(first: 0) { totalCount } } pageInfo { hasNextPage endCursor } } }');
      expect(r.errors ?? []).to.deep.equal([]);
    });
  });

  describe('F2: root mutation fields per operation are bounded', () => {
    it('60 aliased updateProfile are refused before any runs (no audit event written); 10 pass', async () => {
      const before = await srv.app.stores.sql.all<{ n: number }>("select count(*) as n from events where type like 'user.%'");
      const many = await a.user(`mutation { ${Array.from({ length: 60 }, (_, i) => `u${i}: updateProfile(id: "${a.alice.id}", input: { nickname: "n${i}" }) { user { id } }`).join(' ')} }`);
      expect(many.status).to.equal(400);
      expect(many.errors?.[0].extensions.code).to.equal('QUERY_TOO_COMPLEX');
      expect(many.data ?? null).to.equal(null);
      const after = await srv.app.stores.sql.all<{ n: number }>("select count(*) as n from events where type like 'user.%'");
      expect(Number(after[0].n)).to.equal(Number(before[0].n));
      const ten = await a.user(`mutation { ${Array.from({ length: 10 }, (_, i) => `u${i}: updateProfile(id: "${a.alice.id}", input: { nickname: "n${i}" }) { user { id } }`).join(' ')} }`);
      expect(ten.errors ?? []).to.deep.equal([]);
    });

    it('counts fragments inlined (spread twice, inline fragments) and aliases', async () => {
      const many = (n: number, p: string) => Array.from({ length: n }, (_, i) => `${p}${i}: registerClient(input: $i) { client { id } }`).join(' ');
      for (const q of [
        `mutation($i: ClientInput!) { ...M ... on Mutation { ${many(5, 'x')} } } fragment M on Mutation { ${many(6, 'r')} }`,
        `mutation($i: ClientInput!) { ...M ...N } fragment M on Mutation { ${many(6, 'r')} } fragment N on Mutation { ${many(6, 's')} }`,
      ]) {
        const r = await a.user(q, { i: { ...CLIENT_INPUT, name: 'Many at once' } });
        expect(r.errors?.[0].extensions.code, q.slice(0, 60)).to.equal('QUERY_TOO_COMPLEX');
      }
      expect(await srv.app.stores.sql.all('select id from applications where name = ?', ['Many at once'])).to.deep.equal([]);
    });
  });
});
