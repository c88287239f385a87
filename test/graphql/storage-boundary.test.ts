import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { buildSchema, isEnumType, isInputObjectType, isObjectType } from 'graphql';
import { resolveConfig } from '../../src/config.ts';
import { SCOPES } from '../../src/oauth2/scope.ts';
import { loadTypeDefs } from '../../src/graphql/server.ts';
import { initStorage } from '../../src/storage/orm.ts';
import type { Sql } from '../../src/storage/sql.ts';
import { createTestApp, type TestServer } from '../helpers.ts';
import { actors } from './gql-helpers.ts';

// The classic compiler API (a parser) is TypeScript 6's, which the lint workspace keeps (tools/lint/README.md); the
// project's TypeScript 7 has no JS API, hence the few declarations it is used through.
interface TsNode { readonly text: string }
interface Ts {
  ScriptTarget: { Latest: number };
  createSourceFile(name: string, text: string, target: number, setParentNodes: boolean): TsNode;
  isStringLiteralLike(node: TsNode): boolean;
  isTemplateLiteralToken(node: TsNode): boolean;
  isIdentifier(node: TsNode): boolean;
  forEachChild(node: TsNode, visit: (child: TsNode) => void): void;
}
const ts = createRequire(new URL('../../tools/lint/package.json', import.meta.url))('typescript') as Ts;

const GRAPHQL_DIR = new URL('../../src/graphql/', import.meta.url).pathname;
const sources = (dir: string): string[] => readdirSync(dir, { withFileTypes: true })
  .flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));

/** Every table name, and every column name, as the ORM maps the entities. */
async function storedNames(): Promise<{ tables: string[]; columns: string[] }> {
  const orm = await initStorage(resolveConfig({ database: { file: ':memory:' } }));
  try {
    const metas = [...orm.getMetadata().getAll().values()];
    return { tables: metas.map((m) => m.tableName), columns: metas.flatMap((m) => Object.values(m.properties).flatMap((p) => p.fieldNames ?? [])) };
  } finally {
    await orm.close(true);
  }
}

/** The admin API's own words: every name of its SDL, and the scopes it checks. GraphQL code may say them. */
function apiWords(): Set<string> {
  const schema = buildSchema(loadTypeDefs());
  const words = new Set<string>(SCOPES.map((s) => s.name));
  for (const type of Object.values(schema.getTypeMap())) {
    words.add(type.name);
    if (isObjectType(type) || isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        words.add(field.name);
        for (const arg of 'args' in field ? field.args : []) words.add(arg.name);
      }
    }
    if (isEnumType(type)) for (const v of type.getValues()) words.add(v.name);
  }
  return words;
}

/** String and template literals (their text) and identifiers of a TypeScript file. */
function literalsAndNames(file: string): { strings: string[]; names: string[] } {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const strings: string[] = [];
  const names: string[] = [];
  const visit = (node: TsNode) => {
    if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) strings.push(node.text);
    else if (ts.isIdentifier(node)) names.push(node.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { strings, names };
}

/** Every field of a view, its prototype's getters included (a client view splits its lists lazily). */
function fieldsOf(view: object): string[] {
  const fields = new Set(Object.keys(view));
  for (let proto = Object.getPrototypeOf(view); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const [name, d] of Object.entries(Object.getOwnPropertyDescriptors(proto))) if (d.get) fields.add(name);
  }
  return [...fields];
}

describe('GraphQL asks storage through the admin store: no tables, columns or ORM in src/graphql (issue 18 item 4)', () => {
  it('src/graphql imports no MikroORM, no entity and no storage module but the admin store (and the Stores type)', () => {
    for (const file of sources(GRAPHQL_DIR)) {
      const text = readFileSync(file, 'utf8');
      const imports = [...text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1]);
      for (const spec of imports) {
        expect(spec, file).not.to.match(/^@mikro-orm\//);
        if (spec.includes('/storage/')) expect(spec, file).to.match(/\/storage\/(admin-store|index)\.ts$/);
      }
    }
  });

  it('src/graphql names no table or column, and holds no SQL', async () => {
    const { tables, columns } = await storedNames();
    const words = apiWords();
    expect(tables, 'the ORM metadata was read').to.include.members(['applications', 'access_tokens']);
    expect(columns, 'the ORM metadata was read').to.include.members(['secret_hash', 'owner_id']);
    // A snake_case table or column name is storage's spelling, never the API's or TypeScript's: nowhere at all.
    const snake = new Set([...tables, ...columns].filter((n) => n.includes('_')));
    // A one-word table name (users, grants) may also be a word of the API; as a whole string, it must be the API's.
    const plainTables = new Set(tables.filter((n) => !n.includes('_') && !words.has(n)));
    const sqlShape = /\b(select\b[\s\S]*\bfrom|insert\s+into|update\b[\s\S]*\bset|delete\s+from)\b/i;
    for (const file of sources(GRAPHQL_DIR)) {
      const { strings, names } = literalsAndNames(file);
      const tokens = [...strings.flatMap((s) => s.split(/[^A-Za-z0-9_]+/)), ...names];
      expect(tokens.filter((t) => snake.has(t)), `${file}: snake_case table or column names`).to.deep.equal([]);
      expect(strings.filter((s) => plainTables.has(s)), `${file}: a table name as a string`).to.deep.equal([]);
      expect(strings.filter((s) => sqlShape.test(s)), `${file}: SQL`).to.deep.equal([]);
      // Stores hands out the raw SQL handle too (for storage's own use): GraphQL never takes it.
      expect(names, `${file}: the SQL handle`).not.to.include('sql');
    }
  });

  describe('the admin store returns only what a caller may be shown', () => {
    let srv: TestServer;
    beforeEach(async () => { srv = await createTestApp(); });
    afterEach(() => srv.close());

    it('every view holds only its SDL type\'s fields and the ids the resolvers follow, and no read touches a secret column', async () => {
      const a = await actors(srv);
      await a.admin('{ viewer { id } }');
      const { admin, sql } = srv.app.stores;
      // Record the columns of every row the store reads.
      const read = new Set<string>();
      const spied = sql as { -readonly [K in keyof Sql]: Sql[K] };
      const all = sql.all.bind(sql);
      const get = sql.get.bind(sql);
      spied.all = async <T>(q: string, p?: unknown[]) => { const rows = await all<T>(q, p); for (const r of rows) Object.keys(r as object).forEach((k) => read.add(k)); return rows; };
      spied.get = async <T>(q: string, p?: unknown[]) => { const r = await get<T>(q, p); if (r) Object.keys(r as object).forEach((k) => read.add(k)); return r; };
      const page = { first: 10, afterId: null };
      const first = async <V>(p: Promise<{ items: V[] }>) => (await p).items;
      let views: Record<string, object[]>;
      try {
        const grants = await first(admin.liveGrants({}, page));
        const clients = await first(admin.clients({}, page));
        views = {
          Client: [...clients, ...await first(admin.clients({ ownerId: a.root.id }, page, ['name'])), ...(await admin.clientsByIds([a.console.id])).flatMap((c) => (c ? [c] : [])),
            ...(await admin.clientsOwnedBy([a.root.id])).flat(), (await admin.client(a.console.id))!, (await admin.clientByClientId(a.console.clientId))!],
          User: [...await first(admin.users({}, page)), ...(await admin.usersByIds([a.root.id, a.alice.id])).flatMap((u) => (u ? [u] : []))],
          Grant: [...grants, ...(await admin.liveGrantsOfClients([a.console.id])).flat(), (await admin.grant(grants[0].id))!],
          Token: [...await first(admin.tokens({ kind: 'ACCESS' }, page)), ...await first(admin.tokens({ kind: 'REFRESH', activeOnly: true }, page)),
            ...await first(admin.tokens({ kind: 'OAUTH1' }, page)), ...(await admin.liveTokensOfGrants(grants.map((g) => g.id))).flat()],
          Event: await first(admin.events({}, page)),
        };
      } finally {
        spied.all = all;
        spied.get = get;
      }
      expect([...read].filter((c) => /hash|secret|sealed|family|password|verifier|challenge/.test(c)), 'secret columns read').to.deep.equal([]);

      const schema = buildSchema(loadTypeDefs());
      // The ids a resolver follows to another node (Client.owner, Grant.client, Token.user …), and a token's row id (its cursor).
      const references = ['ownerId', 'clientDbId', 'userId', 'rowId'];
      for (const [type, list] of Object.entries(views)) {
        expect(list, `${type} views`).not.to.be.empty;
        const sdl = Object.keys((schema.getType(type) as never as { getFields(): object }).getFields());
        for (const view of list) expect(fieldsOf(view).filter((f) => !sdl.includes(f) && !references.includes(f)), `${type} fields beyond its SDL`).to.deep.equal([]);
      }
      // Nor does any value give a secret away: a client's secret hash, a token's hash.
      const secretHash = (await srv.app.stores.clients.findById(a.console.id))!.secretHash!;
      const tokenHashes = (await sql.all<{ token_hash: string }>('select token_hash from access_tokens')).map((r) => r.token_hash);
      const shown = JSON.stringify(Object.values(views).flat().map((v) => Object.fromEntries(fieldsOf(v).map((f) => [f, (v as Record<string, unknown>)[f]]))));
      for (const secret of [secretHash, ...tokenHashes]) expect(shown).not.to.include(secret);
    });
  });
});
