import { Kind, parse, type ObjectTypeDefinitionNode } from 'graphql';
import { badUserInput } from './errors.ts';
import { NO_ROW, rowId } from './ids.ts';

export const MAX_PAGE = 100;
/** What `first` is when a query leaves it out (the SDL's default too). */
export const DEFAULT_PAGE = 20;

/** Relay cursors are opaque base64url of the row id; order is always by id, so pages are stable. */
export const encodeCursor = (id: number) => Buffer.from(`c:${id}`).toString('base64url');

export function decodeCursor(cursor: string | null | undefined): number | null {
  if (cursor === null || cursor === undefined) return null;
  // A cursor holds a row id, so the id rule applies (ids.ts): beyond int4 it came from no page of ours.
  const id = rowId(/^c:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString())?.[1]);
  if (id === NO_ROW) throw badUserInput({ after: 'Not a cursor from this API.' }, []);
  return id;
}

/** `first` is capped at MAX_PAGE; a negative one is an input error. */
export function pageArgs(args: { first?: number | null; after?: string | null }): { first: number; afterId: number | null } {
  const first = args.first ?? DEFAULT_PAGE;
  if (first < 0) throw badUserInput({ first: 'Must not be negative.' }, []);
  return { first: Math.min(first, MAX_PAGE), afterId: decodeCursor(args.after) };
}

/**
 * One page of a connection. `edges` is built only if the query asks for it (a cursor per row is a tenth of a page
 * that lists nodes), by a getter on the class: every page has one shape and no closure of its own. (A getter in an
 * object literal did the same work but made each page a slow-mode object: a clients page ran at half the speed and
 * the server grew to 290 MB.) `totalCount` may be a function: its resolver below calls it only when selected.
 */
export class ConnectionPage<R extends { id: number }, N> {
  readonly nodes: N[];
  readonly pageInfo: { hasNextPage: boolean; endCursor: string | null };
  readonly totalCount: number | (() => Promise<number>);
  readonly #rows: R[];
  constructor(rows: R[], nodes: N[], hasNextPage: boolean, total: number | (() => Promise<number>)) {
    this.#rows = rows;
    this.nodes = nodes;
    this.pageInfo = { hasNextPage, endCursor: rows.length ? encodeCursor(rows[rows.length - 1].id) : null };
    this.totalCount = total;
  }

  #edges?: { cursor: string; node: N }[];
  /** Built once: compiled queries read a list field several times while completing it. */
  get edges() { return (this.#edges ??= this.#rows.map((r, i) => ({ cursor: encodeCursor(r.id), node: this.nodes[i] }))); }
}

export function connection<R extends { id: number }, N>(rows: R[], total: number | (() => Promise<number>), first: number, map: (r: R) => N) {
  const page = rows.slice(0, first);
  return new ConnectionPage(page, page.map(map), rows.length > first, total);
}

/**
 * totalCount of every connection type in the SDL (`typeDefs`: each object type named *Connection with that field),
 * spelled out: graphql-js's default resolver would call a function-valued property, but the compiled executor
 * (graphql-jit) reads properties as they are.
 */
const totalCount = { totalCount: (c: { totalCount: number | (() => Promise<number>) }) => (typeof c.totalCount === 'function' ? c.totalCount() : c.totalCount) };
export function connectionResolvers(typeDefs: string): Record<string, typeof totalCount> {
  const types = parse(typeDefs).definitions.filter((d): d is ObjectTypeDefinitionNode => d.kind === Kind.OBJECT_TYPE_DEFINITION
    && d.name.value.endsWith('Connection') && Boolean(d.fields?.some((f) => f.name.value === 'totalCount')));
  return Object.fromEntries(types.map((t) => [t.name.value, totalCount]));
}
