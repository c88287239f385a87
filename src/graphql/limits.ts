import { RECENT_FAILURES } from '../oauth2/failure-reasons.ts';
import { GraphQLError, Kind, Lexer, OperationTypeNode, Source, TokenKind, type DocumentNode, type FieldNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import { DEFAULT_PAGE, MAX_PAGE } from './connection.ts';
import { SCALAR_LISTS } from './list-bounds.ts';

// Cost before work (issue 17 #2): every check here is linear in the document, and runs before graphql-js's own
// validation walks it. Those rules are not all linear (OverlappingFieldsCanBeMerged compares fields pairwise), so
// what reaches them is bounded first: the text (length, tokens), then the document with its fragments inlined.
export const MAX_QUERY_LENGTH = 16 * 1024;
export const MAX_TOKENS = 2000;
/** Field selections with every fragment spread inlined (the full introspection query has about 470; 1000 same-named fields cost graphql-js ~30 ms to compare). */
export const MAX_FIELDS = 1000;
export const MAX_DEPTH = 10;
export const MAX_COST = 5000;
/**
 * Values in the answer at most (every field, scalars too, times the page sizes above it): object loads alone do not
 * bound an answer, since a page of nodes can each carry hundreds of aliased scalars (a 5 KB query over a grant's
 * live tokens answered 68 MB before this).
 */
export const MAX_VALUES = 50_000;
/**
 * The cost of `totalCount` on a root connection (clients, users, grants, tokens, events): a COUNT query each, a full
 * scan of the audit log for events. It cost nothing, so 320 aliases held SQLite 2.3 s and took every PostgreSQL
 * connection until the statement timeout (attacker read 13B, F1); at this price an operation holds about nine.
 */
export const COUNT_COST = 500;
/**
 * Root fields of a mutation, aliases included and fragments inlined: each is a write (and an audit event); 110 aliased
 * updateProfile wrote 110 events in one request (attacker read 13B, F2). A form saves one thing at a time.
 */
export const MAX_MUTATIONS = 10;
/** Where sums and products stop growing: a doubling chain of fragments never reaches Infinity (nor 0 × Infinity). */
const SATURATED = 1e15;

/** A 400 (also for `Accept: application/json`, where yoga answers the spec's validation errors with 200). */
export function refused(message: string, code: 'QUERY_TOO_COMPLEX' | 'GRAPHQL_VALIDATION_FAILED' | 'BAD_USER_INPUT', extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extensions, http: { status: 400, spec: false } } });
}

/** The query text, before it is parsed: its length, then its tokens (the lexer is linear; comments are no tokens). */
export function checkSource(source: string): GraphQLError | null {
  if (source.length > MAX_QUERY_LENGTH) return refused(`The query is longer than ${MAX_QUERY_LENGTH} characters.`, 'QUERY_TOO_COMPLEX');
  if (source.length <= MAX_TOKENS) return null; // every token is at least one character long
  const lexer = new Lexer(new Source(source));
  try {
    for (let n = 0; lexer.advance().kind !== TokenKind.EOF;) if (++n > MAX_TOKENS) return refused(`The query has more than ${MAX_TOKENS} tokens.`, 'QUERY_TOO_COMPLEX');
  } catch {
    // A syntax error: the parser reports it, having read no more than this.
  }
  return null;
}

/**
 * A selection set's size, at a page-size multiplier of 1: cost is linear in it, so a fragment is measured once.
 * `top`: its own fields (fragments inlined, no __ meta field); `counts`: its own totalCount fields; `rootCounts`: the
 * totalCounts of its own fields named as root connections (read for an operation's root selection only).
 */
interface Size { depth: number; cost: number; fields: number; values: number; top: number; counts: number; rootCounts: number }
const NONE: Size = { depth: 0, cost: 0, fields: 0, values: 0, top: 0, counts: 0, rootCounts: 0 };
const add = (a: number, b: number) => Math.min(a + b, SATURATED);

const LISTS = /^(clients|users|grants|tokens|events)$/;
/**
 * Plain lists (not connections), with the page their resolver returns when `first` is absent (the SDL's default);
 * test/security/graphql-lists.test.ts checks that every list field of the SDL is a connection or named here.
 */
export const BOUNDED_LISTS: Readonly<Record<string, number>> = { liveTokens: DEFAULT_PAGE, signingKeys: DEFAULT_PAGE, initialAccessTokens: DEFAULT_PAGE, resourceServers: DEFAULT_PAGE, recentFailures: RECENT_FAILURES };
/**
 * Introspection loads nothing from storage, but its answer is large (a whole `__schema` is ~22 KB): each costs as
 * many loads, so a document cannot ask for it by the dozen under aliases.
 */
const INTROSPECTION_COST: Readonly<Record<string, number>> = { __schema: 1000, __type: 50 };
/** How many nodes a field can return: its `first` (capped as pageArgs caps it), the default page for lists, else 1. */
function pageSize(field: FieldNode): number {
  const first = field.arguments?.find((a) => a.name.value === 'first');
  if (!first) return BOUNDED_LISTS[field.name.value] ?? (LISTS.test(field.name.value) ? DEFAULT_PAGE : 1);
  return first.value.kind === Kind.INT ? Math.min(Math.max(Number(first.value.value), 0), MAX_PAGE) : MAX_PAGE;
}

/**
 * Depth, cost and inlined size of every operation, each fragment measured once (memoised), and fragment cycles
 * found on the way. Cost counts object fields (each a load) multiplied by the page sizes of the lists above them.
 */
function measure(doc: DocumentNode): GraphQLError | null {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const measured = new Map<string, Size | 'measuring'>();
  let cycle: string | undefined;

  const spread = (name: string): Size => {
    const known = measured.get(name);
    if (known === 'measuring') { cycle ??= name; return NONE; }
    if (known) return known;
    const fragment = fragments.get(name);
    if (!fragment) return NONE; // KnownFragmentNamesRule reports it
    measured.set(name, 'measuring');
    const size = sizeOf(fragment.selectionSet);
    measured.set(name, size);
    return size;
  };
  const sizeOf = (set: SelectionSetNode): Size => {
    const out = { ...NONE };
    for (const sel of set.selections) {
      if (sel.kind !== Kind.FIELD) {
        const inner = sel.kind === Kind.FRAGMENT_SPREAD ? spread(sel.name.value) : sizeOf(sel.selectionSet);
        out.depth = Math.max(out.depth, inner.depth); out.cost = add(out.cost, inner.cost); out.fields = add(out.fields, inner.fields); out.values = add(out.values, inner.values);
        out.top = add(out.top, inner.top); out.counts = add(out.counts, inner.counts); out.rootCounts = add(out.rootCounts, inner.rootCounts);
        continue;
      }
      const name = sel.name.value;
      const inner = sel.selectionSet ? sizeOf(sel.selectionSet) : NONE;
      out.fields = add(out.fields, 1 + inner.fields);
      if (!name.startsWith('__')) out.top = add(out.top, 1);
      if (name === 'totalCount') out.counts = add(out.counts, 1);
      if (LISTS.test(name)) out.rootCounts = add(out.rootCounts, inner.counts);
      // Every field is a value in the answer, __typename too (600 aliased ones under 48 × 100 nodes answered 45 MB:
      // attacker read 11, F2), and a scalar list as many as it may hold (attacker read 13B, F3).
      out.values = add(out.values, 1 + (sel.selectionSet ? Math.min(pageSize(sel) * inner.values, SATURATED) : SCALAR_LISTS[name] ?? 0));
      // Introspection: graphql-js's MaxIntrospectionDepthRule bounds its depth, MAX_FIELDS its size, its cost its number.
      if (name.startsWith('__')) { out.cost = add(out.cost, INTROSPECTION_COST[name] ?? 0); continue; }
      out.depth = Math.max(out.depth, 1 + inner.depth);
      if (sel.selectionSet) out.cost = add(out.cost, 1 + Math.min(pageSize(sel) * inner.cost, SATURATED));
    }
    return out;
  };

  // Inside introspection (__schema, __type) no field is aliased: graphql-js merges a field selected twice under one
  // name, so without aliases the answer is bounded by the schema itself, while 600 aliased `name`s under
  // `types { fields { … } }` answered 6.5 MB from 11 KB (attacker read 12, G3). Introspection queries of GraphiQL,
  // codegen and the clients' tools alias nothing there.
  const aliasIn = new Map<string, boolean>();
  const aliased = (set: SelectionSetNode): boolean => set.selections.some((sel) => {
    if (sel.kind === Kind.FIELD) return sel.alias !== undefined || (sel.selectionSet !== undefined && aliased(sel.selectionSet));
    if (sel.kind === Kind.INLINE_FRAGMENT) return aliased(sel.selectionSet);
    const name = sel.name.value;
    if (!aliasIn.has(name)) { aliasIn.set(name, false); const f = fragments.get(name); aliasIn.set(name, f ? aliased(f.selectionSet) : false); }
    return aliasIn.get(name)!;
  });
  const introspectionAliased = (set: SelectionSetNode, seen = new Set<string>()): boolean => set.selections.some((sel) => {
    if (sel.kind === Kind.FIELD) return sel.selectionSet !== undefined && (sel.name.value === '__schema' || sel.name.value === '__type' ? aliased(sel.selectionSet) : introspectionAliased(sel.selectionSet, seen));
    if (sel.kind === Kind.INLINE_FRAGMENT) return introspectionAliased(sel.selectionSet, seen);
    if (seen.has(sel.name.value)) return false;
    seen.add(sel.name.value);
    const f = fragments.get(sel.name.value);
    return f ? introspectionAliased(f.selectionSet, seen) : false;
  });

  // Every definition is validated, used or not: all count towards the inlined size; depth and cost are an
  // operation's (a fragment's own depth says nothing: introspection's TypeRef is deep, under __schema).
  let fields = 0;
  for (const d of doc.definitions) {
    if (d.kind !== Kind.OPERATION_DEFINITION && d.kind !== Kind.FRAGMENT_DEFINITION) continue;
    const size = d.kind === Kind.FRAGMENT_DEFINITION ? spread(d.name.value) : sizeOf(d.selectionSet);
    if (cycle) return refused(`Fragment "${cycle}" spreads itself.`, 'GRAPHQL_VALIDATION_FAILED');
    fields = add(fields, size.fields);
    if (fields > MAX_FIELDS) return refused(`The query selects more than ${MAX_FIELDS} fields, fragments inlined.`, 'QUERY_TOO_COMPLEX', { fields });
    if (d.kind === Kind.FRAGMENT_DEFINITION) continue;
    if (introspectionAliased(d.selectionSet)) return refused('Fields inside __schema or __type cannot be aliased.', 'QUERY_TOO_COMPLEX');
    if (d.operation === OperationTypeNode.MUTATION && size.top > MAX_MUTATIONS) return refused(`The mutation has ${size.top} root fields, fragments inlined and aliases included: send at most ${MAX_MUTATIONS} per request.`, 'QUERY_TOO_COMPLEX', { mutations: size.top });
    const cost = add(size.cost, Math.min(size.rootCounts * COUNT_COST, SATURATED));
    if (size.depth > MAX_DEPTH) return refused(`Query depth ${size.depth} exceeds the limit of ${MAX_DEPTH}.`, 'QUERY_TOO_COMPLEX', { depth: size.depth, cost });
    if (cost > MAX_COST) return refused(`Query cost ${cost} exceeds the limit of ${MAX_COST}${size.rootCounts ? ` (each totalCount of a list costs ${COUNT_COST})` : ''}.`, 'QUERY_TOO_COMPLEX', { depth: size.depth, cost });
    if (size.values > MAX_VALUES) return refused(`The answer could hold ${size.values} values, over the limit of ${MAX_VALUES}: ask for smaller pages or fewer fields.`, 'QUERY_TOO_COMPLEX', { values: size.values });
  }
  return null;
}

const checked = new WeakMap<DocumentNode, GraphQLError | null>();
/** The document's verdict, once per parsed document (yoga's parse cache hands the same object back). */
export function checkDocument(doc: DocumentNode): GraphQLError | null {
  let verdict = checked.get(doc);
  if (verdict === undefined) checked.set(doc, (verdict = measure(doc)));
  return verdict;
}
