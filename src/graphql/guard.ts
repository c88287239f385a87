import { getOperationAST, GraphQLError, NoSchemaIntrospectionCustomRule, OperationTypeNode, type DocumentNode, type ExecutionResult, type StringValueNode, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from 'koa';
import { hostileString } from '../oauth2/hostile-text.ts';
import { checkDocument, checkSource, refused } from './limits.ts';
import { parseBearer, usesBearerScheme, usesDpopScheme } from '../oauth2/bearer.ts';
import type { GraphQLContext, GraphQLDeps } from './context.ts';
import { forbidden } from './errors.ts';

// What every GraphQL request goes through, on yoga's path and on server.ts's direct path alike (both run yoga's
// envelop: parse, validate, execute): the limits of limits.ts before any walk, and what strangers may learn.

/** Variables: how many values (any depth) and how deep; a form's worth of input is a few dozen. */
export const MAX_VARIABLE_VALUES = 1000;
export const MAX_VARIABLE_DEPTH = 8;

type Koa = { koa?: Context };

/**
 * Who presented credentials: a session user, or a bearer token (buildContext refuses a token that names no one,
 * before anything executes). Everyone else is anonymous: no introspection, no hints.
 */
const signedIn = (koa: Context | undefined) => Boolean(koa && (koa.state.user || usesBearerScheme(parseBearer(koa.get('authorization'))) || usesDpopScheme(koa.get('authorization'))));

/** A string no parameter may hold (NUL, lone surrogates: databases refuse or cut them), in a literal of the query. */
function SafeStringLiterals(context: ValidationContext) {
  return {
    StringValue(node: StringValueNode) {
      if (hostileString(node.value)) context.reportError(refused('A string contains characters no parameter may contain.', 'BAD_USER_INPUT'));
    },
  };
}

/** Adds nothing: its name keeps yoga's validation cache (keyed by rule names) apart for callers who get no hints. */
function NoSuggestions() { return {}; }

/** graphql-js appends "Did you mean …?" to some messages: a map of the schema for whoever probes it. */
const SUGGESTION = /\s*Did you mean .*\?$/s;
const withoutSuggestion = (e: GraphQLError) => (SUGGESTION.test(e.message)
  ? new GraphQLError(e.message.replace(SUGGESTION, ''), { nodes: e.nodes, source: e.source, positions: e.positions, path: e.path, originalError: e.originalError, extensions: e.extensions })
  : e);

/** Variables within budget and free of strings no parameter may hold; null if fine. */
export function checkVariables(values: unknown): GraphQLError | null {
  let count = 0;
  const visit = (v: unknown, depth: number): GraphQLError | null => {
    if (++count > MAX_VARIABLE_VALUES || depth > MAX_VARIABLE_DEPTH) return refused(`Variables hold more than ${MAX_VARIABLE_VALUES} values or nest deeper than ${MAX_VARIABLE_DEPTH}.`, 'QUERY_TOO_COMPLEX');
    if (typeof v === 'string') return hostileString(v) ? refused('A variable contains characters no parameter may contain.', 'BAD_USER_INPUT') : null;
    if (v === null || typeof v !== 'object') return null;
    for (const [k, item] of Object.entries(v)) {
      const bad = (hostileString(k) ? refused('A variable contains characters no parameter may contain.', 'BAD_USER_INPUT') : null) ?? visit(item, depth + 1);
      if (bad) return bad;
    }
    return null;
  };
  return values == null ? null : visit(values, 0);
}

/**
 * CSRF for the admin API's page lane: a mutation from a browser session runs only with that session's
 * X-CSRF-Token (buildContext compares it). requireViewer(ctx, 'write') says so too, per resolver; this holds it for
 * every mutation at once, before any resolver runs, so a new mutation that asks only for `read` cannot forget it.
 * (The session cookie is SameSite=Lax, which keeps most cross-site POSTs from carrying it, but not those of a
 * sibling subdomain, nor older browsers.)
 */
export function csrfRefusal(contextValue: unknown, document: DocumentNode, operationName?: string | null): GraphQLError | null {
  const ctx = contextValue as Partial<GraphQLContext> | undefined;
  if (ctx?.viewer?.via !== 'session' || ctx.csrfOk) return null;
  if (getOperationAST(document, operationName)?.operation !== OperationTypeNode.MUTATION) return null;
  return forbidden('Mutations from a browser session need the X-CSRF-Token header of that session.');
}

/**
 * A refusal the HTTP layer answers as it is, whatever result processor yoga would have chosen (server.ts reads it
 * from `koa.state`): an event stream's 200 and headers cannot carry a 406 or a 429.
 */
export interface StreamRefusal { status: 406 | 429; error: GraphQLError }
export const STREAM_REFUSAL = 'graphqlStreamRefusal';

/** Subscriptions answer only as event streams (GraphQL over SSE, or yoga's multipart); a plain POST waits for nothing. */
const STREAMING_ACCEPT = /(?:^|,)\s*(?:text\/event-stream|multipart\/mixed)\s*(?:;|,|$)/i;

function refuseStream(koa: Context | undefined, refusal: StreamRefusal): ExecutionResult {
  if (koa) koa.state[STREAM_REFUSAL] = refusal;
  return { errors: [refusal.error] };
}

const strip = (result: ExecutionResult) => (result.errors?.length ? { ...result, errors: result.errors.map(withoutSuggestion) } : result);

/** `production`: no hints for anyone; elsewhere signed-in developers keep them. */
/**
 * `streams`: event streams one user holds open (issue 21 #5), on every instance when they share Redis: each holds a
 * connection, a listener on the event bus and a recheck timer, so one user's 500 streams were the instance's. Counted
 * per user (all their sessions and tokens), released when the stream ends however it ends (client gone, credentials
 * revoked, server closing).
 */
export function useGuard(opts: { production: boolean; eventStreamsPerUser: number; streams: GraphQLDeps['streamSlots'] }): Plugin<Koa> {
  const hints = (koa: Context | undefined) => !opts.production && signedIn(koa);
  const beforeRun = ({ args, setResultAndStopExecution }: { args: { variableValues?: unknown; contextValue: unknown; document: DocumentNode; operationName?: string | null }; setResultAndStopExecution: (r: ExecutionResult) => void }) => {
    const bad = csrfRefusal(args.contextValue, args.document, args.operationName) ?? checkVariables(args.variableValues);
    if (bad) { setResultAndStopExecution({ errors: [bad] }); return undefined; }
    return hints((args.contextValue as Koa).koa) ? undefined : strip;
  };
  return {
    onParse({ params }) {
      const bad = checkSource(String(typeof params.source === 'string' ? params.source : params.source.body));
      if (bad) throw bad; // out of parse(): yoga answers it as it is, with its status
    },
    onValidate({ params, addValidationRule, setResult, context }) {
      const bad = checkDocument(params.documentAST);
      if (bad) { setResult([bad]); return; } // graphql-js's rules never see it
      addValidationRule(SafeStringLiterals);
      const koa = (context as Koa).koa;
      if (!signedIn(koa)) addValidationRule(NoSchemaIntrospectionCustomRule);
      if (hints(koa)) return;
      addValidationRule(NoSuggestions);
      return ({ result, setResult: replace }) => { if (result.length) replace((result as GraphQLError[]).map(withoutSuggestion)); };
    },
    onExecute(payload) {
      const after = beforeRun(payload as never);
      return after && { onExecuteDone: ({ result, setResult }) => { if (!(Symbol.asyncIterator in result)) setResult(after(result)); } };
    },
    async onSubscribe(payload) {
      const { args, setResultAndStopExecution } = payload as unknown as { args: { contextValue: Partial<GraphQLContext> & Koa }; setResultAndStopExecution: (r: ExecutionResult) => void };
      const koa = args.contextValue.koa;
      if (!STREAMING_ACCEPT.test(koa?.get('accept') ?? '')) {
        setResultAndStopExecution(refuseStream(koa, { status: 406, error: new GraphQLError('A subscription is an event stream: send it with "Accept: text/event-stream".', { extensions: { code: 'NOT_ACCEPTABLE' } }) }));
        return undefined;
      }
      const after = beforeRun(payload as never);
      const userId = args.contextValue.viewer?.user.id;
      // No viewer: the resolver refuses it (UNAUTHENTICATED), nothing held.
      const release = userId === undefined ? null : await opts.streams.take(userId, opts.eventStreamsPerUser);
      if (userId !== undefined && !release) {
        setResultAndStopExecution(refuseStream(koa, { status: 429, error: new GraphQLError(`You have ${opts.eventStreamsPerUser} event streams open already: close one first.`, { extensions: { code: 'TOO_MANY_STREAMS' } }) }));
        return undefined;
      }
      return {
        onSubscribeResult: ({ result, setResult }) => {
          if (Symbol.asyncIterator in result) return release ? { onEnd: release } : undefined;
          release?.();
          if (after) setResult(after(result));
          return undefined;
        },
      };
    },
  };
}
