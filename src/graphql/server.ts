import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { getOperationAST, GraphQLError, GraphQLScalarType, Kind, OperationTypeNode, type DocumentNode, type ExecutionArgs, type ExecutionResult, type SelectionSetNode } from 'graphql';
import { createSchema, createYoga, processRegularResult, type YogaServerInstance } from 'graphql-yoga';
import { useGraphQlJit } from '@envelop/graphql-jit';
import type { Context, Middleware } from 'koa';
import { buildContext, type GraphQLContext, type GraphQLDeps } from './context.ts';
import { isDeletedMeanwhile, isUnavailable, RETRY_AFTER_SECONDS, UNAVAILABLE } from '../http/middleware/errors.ts';
import { STREAM_REFUSAL, useGuard, type StreamRefusal } from './guard.ts';
import { connectionResolvers } from './connection.ts';
import { clientResolvers } from './resolvers/client.ts';
import { userResolvers } from './resolvers/user.ts';
import { grantResolvers } from './resolvers/grant.ts';
import { tokenResolvers } from './resolvers/token.ts';
import { eventResolvers } from './resolvers/event.ts';
import { signingKeyResolvers } from './resolvers/signing-key.ts';
import { initialAccessTokenResolvers } from './resolvers/initial-access-token.ts';
import { resourceServerResolvers } from './resolvers/resource-server.ts';
import { tokenExchangeResolvers } from './resolvers/token-exchange.ts';

const UNAVAILABLE_CODE = 'TEMPORARILY_UNAVAILABLE';
const SCHEMA_DIR = fileURLToPath(new URL('../../schema/', import.meta.url));

/**
 * Why a request is not a GraphQL-over-HTTP request (GraphQL over HTTP §5: a `query` string is required; §6.1 GET:
 * `variables` and `extensions` are JSON-encoded maps), or undefined. Yoga let such requests through to its parser:
 * a GET's `variables` that was not JSON became an INTERNAL_SERVER_ERROR with a stack in the log (attacker read 19,
 * F5); a GET without a query answered 200, and a POST body of `{}` "sent invalid JSON" with the SyntaxError of a
 * second read of the consumed body. Only JSON POST bodies are judged here (other media types are yoga's).
 */
function notAGraphQLRequest(ctx: Context): string | undefined {
  let params: Record<string, unknown>;
  if (ctx.method === 'GET') {
    params = {};
    for (const [name, text] of Object.entries(ctx.query)) {
      if (typeof text !== 'string') return `${name} must be sent once.`;
      if (name !== 'variables' && name !== 'extensions') { params[name] = text; continue; }
      try { params[name] = JSON.parse(text); } catch { return `${name} must be a JSON object.`; }
    }
  } else if (ctx.method === 'POST' && /^application\/json\s*(?:;|$)/i.test(ctx.get('content-type'))) {
    // By the header itself: ctx.is() answers null for a request without a body, which yoga then read as invalid JSON.
    // Only the type our body parser reads: yoga reads other JSON types (application/graphql+json) from the stream itself.
    const body = (ctx.request as { body?: unknown }).body;
    if (!isObject(body)) return 'The body must be a JSON object with a query.';
    params = body;
  } else return undefined;
  if (typeof params.query !== 'string' || !params.query.trim()) return 'A query is required (a GraphQL document as the query parameter).';
  for (const name of ['variables', 'extensions']) if (params[name] != null && !isObject(params[name])) return `${name} must be a JSON object.`;
  if (params.operationName != null && typeof params.operationName !== 'string') return 'operationName must be a string.';
  return undefined;
}

/** The SDL is the contract: base.graphql first, then every area file that extends it. */
export function loadTypeDefs(): string {
  const files = readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('.graphql')).sort((a, b) => (a === 'base.graphql' ? -1 : b === 'base.graphql' ? 1 : a.localeCompare(b)));
  return files.map((f) => readFileSync(join(SCHEMA_DIR, f), 'utf8')).join('\n');
}

const DateTime = new GraphQLScalarType({
  name: 'DateTime',
  serialize: (v) => new Date(Number(v)).toISOString(),
  parseValue: (v) => { const t = Date.parse(String(v)); if (Number.isNaN(t)) throw new TypeError('DateTime must be ISO-8601'); return t; },
  parseLiteral: (ast) => (ast.kind === Kind.STRING && !Number.isNaN(Date.parse(ast.value)) ? Date.parse(ast.value) : null),
});

/** Every resolver map, merged per type; the drift test checks it against the SDL. */
export function resolverMaps(typeDefs = loadTypeDefs()): Record<string, Record<string, unknown>> {
  const merged: Record<string, Record<string, unknown>> = { DateTime: DateTime as unknown as Record<string, unknown> };
  for (const part of [connectionResolvers(typeDefs), clientResolvers, userResolvers, grantResolvers, tokenResolvers, eventResolvers, signingKeyResolvers, initialAccessTokenResolvers, resourceServerResolvers, tokenExchangeResolvers] as Record<string, Record<string, unknown>>[]) {
    for (const [type, fields] of Object.entries(part)) merged[type] = { ...(merged[type] ?? {}), ...fields };
  }
  return merged;
}

export function createGraphQL(deps: GraphQLDeps & { logError: (e: unknown) => void }): Middleware {
  const typeDefs = loadTypeDefs();
  const schema = createSchema<{ koa: Context }>({ typeDefs, resolvers: resolverMaps(typeDefs) as never });
  const yoga = createYoga<{ koa: Context }>({
    schema,
    graphqlEndpoint: '/graphql',
    // Yoga's GraphiQL page loads GraphiQL from a CDN with inline scripts: ours is src/http/routes/graphiql.ts.
    graphiql: false,
    landingPage: false,
    // Unexpected errors become "Unexpected error." for the client; the original is logged with the request id.
    maskedErrors: {
      maskError: (error, message) => {
        const original = error instanceof GraphQLError ? error.originalError : error;
        if (error instanceof GraphQLError && (!original || original instanceof GraphQLError)) return error;
        // Deleted while this operation ran (a client raced by deleteClient): what a moment later would say.
        if (isDeletedMeanwhile(original)) return new GraphQLError('Not found (deleted meanwhile).', { extensions: { code: 'NOT_FOUND' } });
        deps.logError(original);
        // The database or Redis did not answer (in time): 503 + Retry-After, as every endpoint says it (http/middleware/errors.ts).
        if (isUnavailable(original)) return new GraphQLError(UNAVAILABLE, { extensions: { code: UNAVAILABLE_CODE, http: { status: 503, headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) } } } });
        return new GraphQLError(message, { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
      },
    },
    context: async ({ koa }) => buildContext(koa, deps),
    // Each query document is compiled to plain JavaScript once (graphql-jit), cached with yoga's parse cache entry:
    // a clients page spent most of its execution in graphql-js's per-field machinery (442 → 287 µs a request, profiled
    // in docs/performance.md "GraphQL"). Only for documents worth it
    // and safe to cache that way (see compilable); a document it cannot compile is answered with its errors.
    plugins: [
      useGraphQlJit({}, { enableIf: compilable, onError: (r) => deps.logError(r.errors?.[0]) }),
      useGuard({ production: deps.config.env === 'production', eventStreamsPerUser: deps.config.eventStreamsPerUser, streams: deps.streamSlots }),
    ],
    cors: adminCors(deps.config.cors.adminOrigins),
    logging: false,
  });
  const direct = directQuery(yoga);
  return async (ctx, next) => {
    if (ctx.path !== '/graphql') return next();
    ctx.state.api = true;
    if (ctx.get('origin')) ctx.vary('Origin'); // the CORS answer depends on it (adminCors)
    const malformed = notAGraphQLRequest(ctx);
    if (malformed) {
      ctx.status = 400;
      ctx.body = { errors: [{ message: malformed, extensions: { code: 'BAD_REQUEST' } }] };
      return;
    }
    const answer = await direct(ctx);
    if (answer) {
      directStats.answered++;
      ctx.status = answer.status;
      for (const [key, value] of answer.headers) ctx.set(key, value);
      ctx.body = answer.body;
      return;
    }
    const response = await yoga.handleNodeRequestAndResponse(ctx.request as never, ctx.res, { koa: ctx });
    const refusal = ctx.state[STREAM_REFUSAL] as StreamRefusal | undefined;
    if (refusal) {
      // A subscription refused before it streamed (guard.ts): its status, as JSON, whatever yoga's processor made.
      // Yoga's body is left unread: it holds one finished errors-only result (and its SSE cancel() throws unread).
      ctx.status = refusal.status;
      ctx.body = { errors: [refusal.error.toJSON()] };
      return;
    }
    ctx.status = response.status;
    response.headers.forEach((value, key) => { ctx.append(key, value); });
    // Live results (subscriptions over SSE, incremental delivery) stream; a plain result is one string, which
    // spares piping a web ReadableStream into Koa (a tenth of a clients page's CPU).
    const type = response.headers.get('content-type') ?? '';
    const live = /^(text\/event-stream|multipart\/mixed)/i.test(type);
    // Koa destroys a live body when the caller goes; yoga's SSE source then cancels an iterator it has not made yet if
    // nothing was read, and the TypeError came out of the stream as an uncaught exception (a browser leaving the events
    // page crashed the PostgreSQL pass of CI at 923e17a). Nothing is left to tell the caller: it is ignored.
    if (live) (response.body as unknown as { readable?: { on(event: 'error', f: () => void): void } } | null)?.readable?.on('error', () => undefined);
    ctx.body = live ? response.body : await response.text();
  };
}

/**
 * Cross-origin calls to the admin API, credentials included, only from the configured admin origins (issue 17
 * #10): yoga's default reflects any Origin with `Access-Control-Allow-Credentials: true`, which lets any site a
 * signed-in admin visits read the API with their session. Same-origin pages need no CORS; other origins get none.
 */
function adminCors(origins: readonly string[]) {
  const allowed = new Set(origins);
  return (request: Request) => {
    const origin = request.headers.get('origin');
    return origin !== null && allowed.has(origin)
      ? { origin: [origin], credentials: true, methods: ['GET', 'POST'], allowedHeaders: ['Authorization', 'Content-Type', 'X-CSRF-Token'], maxAge: 600 }
      : false;
  };
}

const PARAMS: ReadonlySet<string> = new Set(['query', 'variables', 'operationName', 'extensions']);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** `Accept` values for which yoga answers `application/json` (GraphQL over HTTP; see its result processors). */
const PLAIN_JSON_ACCEPT = /^\s*(?:\*\/\*|application\/json)?\s*$/i;

/** How many calls the direct path answered (tests read it to know which path served them). */
export const directStats = { answered: 0 };

// graphql-jit keeps one compiled query per parsed document, whatever operationName asked for, so a document with
// several operations must never be compiled (the first name asked would answer for every later one). Compiling
// is also work a caller orders: only for a signed-in viewer, and only for documents of a bounded size.
const MAX_JIT_FIELDS = 200;
const jitWorthy = new WeakMap<DocumentNode, boolean>();
function compilable(args: ExecutionArgs): boolean {
  if (!(args.contextValue as GraphQLContext | undefined)?.viewer) return false;
  // graphql-jit calls a subscription's subscribe() with no arguments (its filter would be ignored): graphql-js runs it.
  if (getOperationAST(args.document, args.operationName)?.operation === OperationTypeNode.SUBSCRIPTION) return false;
  let ok = jitWorthy.get(args.document);
  if (ok === undefined) {
    let operations = 0;
    let fields = 0;
    const count = (set: SelectionSetNode | undefined): void => {
      for (const s of set?.selections ?? []) { if (s.kind === Kind.FIELD) fields++; if (s.kind !== Kind.FRAGMENT_SPREAD) count(s.selectionSet); }
    };
    for (const d of args.document.definitions) {
      if (d.kind === Kind.OPERATION_DEFINITION) operations++;
      if (d.kind === Kind.OPERATION_DEFINITION || d.kind === Kind.FRAGMENT_DEFINITION) count(d.selectionSet);
    }
    ok = operations === 1 && fields <= MAX_JIT_FIELDS;
    jitWorthy.set(args.document, ok);
  }
  return ok;
}

interface Answer { status: number; headers: [string, string][]; body: string }

/**
 * The common admin call — a JSON POST of one query, no Origin, answered as plain JSON — run through yoga's own
 * envelop pipeline (`yoga.getEnveloped`: the same parser and validation cache, limits rule, context, executor and
 * error masking as yoga's processRequest) without its HTTP layer, which turns the Node request into a web Request
 * and the result into a web Response: that layer was half of a clients page's CPU (736 → 442 µs a request). A result with errors is shaped
 * by yoga's own processor for application/json (processRegularResult: status and body as yoga sends them).
 * Returns undefined, before anything has run, to let yoga answer everything else: GET, mutations, subscriptions,
 * batches, other media types, CORS, and queries that fail to parse, validate or authenticate.
 */
function directQuery(yoga: YogaServerInstance<{ koa: Context }, object>) {
  return async (ctx: Context): Promise<Answer | undefined> => {
    if (ctx.method !== 'POST' || ctx.get('origin') || !PLAIN_JSON_ACCEPT.test(ctx.get('accept'))
      || !/^application\/json\s*(?:;|$)/i.test(ctx.get('content-type'))) return undefined;
    const params = (ctx.request as { body?: unknown }).body;
    if (!isObject(params) || typeof params.query !== 'string' || !Object.keys(params).every((k) => PARAMS.has(k))
      || !(params.variables == null || isObject(params.variables)) || !(params.operationName == null || typeof params.operationName === 'string')
      || !(params.extensions == null || isObject(params.extensions))) return undefined;
    const operationName = (params.operationName as string | null | undefined) ?? undefined;
    let run: () => Promise<ExecutionResult>;
    try {
      const e = yoga.getEnveloped({ koa: ctx } as Parameters<typeof yoga.getEnveloped>[0]);
      const document = e.parse(params.query);
      if (getOperationAST(document, operationName)?.operation !== OperationTypeNode.QUERY) return undefined;
      if (e.validate(e.schema, document).length) return undefined;
      const contextValue = await e.contextFactory();
      run = () => e.execute({ schema: e.schema, document, contextValue, variableValues: params.variables as Record<string, unknown> | undefined, operationName }) as Promise<ExecutionResult>;
    } catch (err) {
      // An outage (a 503 error, see maskError) is answered now: yoga would only wait for the same database again.
      if (!(err instanceof GraphQLError && err.extensions.code === UNAVAILABLE_CODE)) return undefined;
      run = async () => ({ errors: [err] });
    }
    // From here on the query has run (or failed) once: its answer is ours, whatever it holds.
    const result = await run();
    if (!result.errors?.length && 'data' in result) {
      // As yoga's result processor does: a serializer the executor attached to the result, if any.
      return { status: 200, headers: [['Content-Type', 'application/json; charset=utf-8']], body: ((result as { stringify?: (r: unknown) => string }).stringify ?? JSON.stringify)(result) };
    }
    const response = processRegularResult(result, yoga.fetchAPI, 'application/json');
    return { status: response.status, headers: [...response.headers], body: await response.text() };
  };
}
