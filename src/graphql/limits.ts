import { GraphQLError, Kind, type ASTNode, type DocumentNode, type FieldNode, type FragmentDefinitionNode, type SelectionSetNode, type ValidationContext, type ASTVisitor } from 'graphql';
import { MAX_PAGE } from './connection.ts';

export const MAX_DEPTH = 10;
export const MAX_COST = 5000;

interface Walk { depth: number; cost: number }

/** Depth and cost of an operation. Cost counts object fields (each a load), multiplied by the `first` of the lists above. */
function measure(set: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>, depth: number, multiplier: number, seen: Set<string>, out: Walk) {
  for (const sel of set.selections) {
    if (sel.kind === Kind.FRAGMENT_SPREAD) {
      const frag = fragments.get(sel.name.value);
      if (frag && !seen.has(frag.name.value)) measure(frag.selectionSet, fragments, depth, multiplier, new Set([...seen, frag.name.value]), out);
      continue;
    }
    if (sel.kind === Kind.INLINE_FRAGMENT) { measure(sel.selectionSet, fragments, depth, multiplier, seen, out); continue; }
    const field = sel as FieldNode;
    if (field.name.value.startsWith('__')) continue;
    out.depth = Math.max(out.depth, depth + 1);
    if (field.selectionSet) {
      out.cost += multiplier;
      const first = field.arguments?.find((a) => a.name.value === 'first');
      const n = first?.value.kind === Kind.INT ? Math.min(Number(first.value.value), MAX_PAGE) : first ? MAX_PAGE : 1;
      const isList = first !== undefined || /^(clients|users|grants|tokens|events)$/.test(field.name.value);
      measure(field.selectionSet, fragments, depth + 1, multiplier * (isList ? Math.max(n, first ? n : 20) : 1), seen, out);
    }
  }
}

/** Validation rule: refuse operations deeper than MAX_DEPTH or costlier than MAX_COST before running them. */
export function limitsRule(context: ValidationContext): ASTVisitor {
  const doc = context.getDocument() as DocumentNode;
  const fragments = new Map(doc.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
  return {
    OperationDefinition(op) {
      const out: Walk = { depth: 0, cost: 0 };
      measure(op.selectionSet, fragments, 0, 1, new Set(), out);
      const fail = (msg: string, node: ASTNode) => context.reportError(new GraphQLError(msg, { nodes: [node], extensions: { code: 'QUERY_TOO_COMPLEX', depth: out.depth, cost: out.cost } }));
      if (out.depth > MAX_DEPTH) fail(`Query depth ${out.depth} exceeds the limit of ${MAX_DEPTH}.`, op);
      else if (out.cost > MAX_COST) fail(`Query cost ${out.cost} exceeds the limit of ${MAX_COST}.`, op);
    },
  };
}
