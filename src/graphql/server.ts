import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { createSchema, createYoga } from 'graphql-yoga';
import type { Context, Middleware } from 'koa';
import { buildContext, type GraphQLDeps } from './context.ts';
import { limitsRule } from './limits.ts';
import { clientResolvers } from './resolvers/client.ts';
import { userResolvers } from './resolvers/user.ts';
import { grantResolvers } from './resolvers/grant.ts';
import { tokenResolvers } from './resolvers/token.ts';
import { eventResolvers } from './resolvers/event.ts';

const SCHEMA_DIR = fileURLToPath(new URL('../../schema/', import.meta.url));

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
export function resolverMaps(): Record<string, Record<string, unknown>> {
  const merged: Record<string, Record<string, unknown>> = { DateTime: DateTime as unknown as Record<string, unknown> };
  for (const part of [clientResolvers, userResolvers, grantResolvers, tokenResolvers, eventResolvers] as Record<string, Record<string, unknown>>[]) {
    for (const [type, fields] of Object.entries(part)) merged[type] = { ...(merged[type] ?? {}), ...fields };
  }
  return merged;
}

export function createGraphQL(deps: GraphQLDeps & { graphiql: boolean; logError: (e: unknown) => void }): Middleware {
  const schema = createSchema<{ koa: Context }>({ typeDefs: loadTypeDefs(), resolvers: resolverMaps() as never });
  const yoga = createYoga<{ koa: Context }>({
    schema,
    graphqlEndpoint: '/graphql',
    graphiql: deps.graphiql,
    landingPage: false,
    // Unexpected errors become "Unexpected error." for the client; the original is logged with the request id.
    maskedErrors: {
      maskError: (error, message) => {
        const original = error instanceof GraphQLError ? error.originalError : error;
        if (error instanceof GraphQLError && (!original || original instanceof GraphQLError)) return error;
        deps.logError(original);
        return new GraphQLError(message, { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
      },
    },
    context: async ({ koa }) => buildContext(koa, deps),
    plugins: [{ onValidate: ({ addValidationRule }: { addValidationRule: (r: typeof limitsRule) => void }) => addValidationRule(limitsRule) }],
    logging: false,
  });
  return async (ctx, next) => {
    if (ctx.path !== '/graphql') return next();
    ctx.state.api = true;
    const response = await yoga.handleNodeRequestAndResponse(ctx.request as never, ctx.res, { koa: ctx });
    ctx.status = response.status;
    response.headers.forEach((value, key) => { ctx.append(key, value); });
    // Live results (subscriptions over SSE, incremental delivery) stream; a plain result is one string, which
    // spares piping a web ReadableStream into Koa (a tenth of a clients page's CPU).
    const type = response.headers.get('content-type') ?? '';
    ctx.body = /^(text\/event-stream|multipart\/mixed)/i.test(type) ? response.body : await response.text();
  };
}
