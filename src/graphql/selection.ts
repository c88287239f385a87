import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/** The field names a query selects on a connection's nodes (under `nodes` and under `edges { node }`), fragments followed. */
export function nodeFields(info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>): Set<string> {
  const out = new Set<string>();
  const walk = (set: SelectionSetNode | undefined, at: 'connection' | 'edge' | 'node') => {
    for (const sel of set?.selections ?? []) {
      if (sel.kind === Kind.FRAGMENT_SPREAD) { walk(info.fragments[sel.name.value]?.selectionSet, at); continue; }
      if (sel.kind === Kind.INLINE_FRAGMENT) { walk(sel.selectionSet, at); continue; }
      const name = sel.name.value;
      if (at === 'node') out.add(name);
      else if (at === 'connection' && name === 'nodes') walk(sel.selectionSet, 'node');
      else if (at === 'connection' && name === 'edges') walk(sel.selectionSet, 'edge');
      else if (at === 'edge' && name === 'node') walk(sel.selectionSet, 'node');
    }
  };
  for (const field of info.fieldNodes) walk(field.selectionSet, 'connection');
  return out;
}

/**
 * What a page must read for the selected fields: `always`, plus what `map` names for each selected field (the
 * clients page maps them onto the admin store's client fields, storage/admin-store.ts). Fields with resolvers of
 * their own need only `always`; an unknown field reads everything (`null`), to stay correct.
 */
export function columnsFor(fields: Set<string>, map: Record<string, string>, always: string[], resolved: string[]): string[] | null {
  const cols = new Set(always);
  for (const f of fields) {
    if (f === '__typename' || f === 'id' || resolved.includes(f)) continue;
    const column = map[f];
    if (!column) return null;
    cols.add(column);
  }
  return [...cols];
}
