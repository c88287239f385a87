import type { Middleware } from 'koa';

/**
 * A middleware built on its first request (its module loads then); a failed load is tried again on the next one.
 * Sessions, the pages' body parser and graphql-yoga load this way, so start-up and a server that only answers the
 * protocol endpoints never pay for them. graphql-yoga is the heaviest (~18 MB resident once loaded).
 */
export function lazy(load: () => Promise<Middleware>): Middleware {
  let built: Promise<Middleware> | undefined;
  return async (ctx, next) => (await (built ??= load().catch((e) => { built = undefined; throw e; })))(ctx, next);
}
