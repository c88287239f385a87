import { requireAdmin, type GraphQLContext } from '../context.ts';
import { pageArgs } from '../connection.ts';
import { rowId } from '../ids.ts';
import { visibleAll } from '../policy.ts';

type Args = Record<string, any>;

/** RFC 7591 §3 initial access tokens: administrators list and revoke them (createInitialAccessToken is in client.ts). */
export const initialAccessTokenResolvers = {
  Query: {
    async initialAccessTokens(_: unknown, args: Args, ctx: GraphQLContext) {
      requireAdmin(ctx);
      return visibleAll(ctx, 'InitialAccessToken', await ctx.deps.stores.admin.initialAccessTokens(pageArgs(args).first));
    },
  },
  Mutation: {
    async revokeInitialAccessToken(_: unknown, args: Args, ctx: GraphQLContext) {
      requireAdmin(ctx, 'write');
      const id = rowId(args.id);
      const revoked = await ctx.deps.stores.admin.revokeInitialAccessToken(id);
      if (revoked) await ctx.deps.stores.events.record({ type: 'registration.initial_token_revoked', ...ctx.audit, detail: { id, via: 'graphql' } });
      return revoked;
    },
  },
};
