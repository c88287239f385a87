import { connection, pageArgs } from '../connection.ts';
import { requireViewer, type GraphQLContext } from '../context.ts';
import { forbidden, notFound } from '../errors.ts';
import { rowId } from '../ids.ts';
import type { GrantView } from '../../storage/admin-store.ts';
import { seesWhole, visible, visibleAll } from '../policy.ts';

type Args = Record<string, any>;

const id = rowId; // issue 17 #13: the one id rule (ids.ts)

/** Revocation through the admin API goes down the same path as the pages (TokenStore.revokeByGrant). */
function revokeGrantById(ctx: GraphQLContext, grantId: number): Promise<number> {
  return ctx.deps.stores.tokens.revokeByGrant(grantId, Date.now());
}

export const grantResolvers = {
  Query: {
    async grants(_: unknown, args: Args, ctx: GraphQLContext) {
      const v = requireViewer(ctx);
      const userId = args.userId != null ? id(args.userId) : v.isAdmin ? undefined : v.user.id;
      if (!v.isAdmin && userId !== v.user.id) throw forbidden('You can only see your own grants.');
      const page = pageArgs(args);
      const { items, total } = await ctx.deps.stores.admin.liveGrants({ userId, clientId: args.clientId != null ? id(args.clientId) : undefined }, page);
      return connection(visibleAll(ctx, 'Grant', items), total, page.first, (g) => g);
    },
  },
  Mutation: {
    async revokeGrant(_: unknown, args: Args, ctx: GraphQLContext) {
      requireViewer(ctx, 'write');
      const grant = await ctx.deps.stores.admin.grant(id(args.id));
      if (!grant || !visible(ctx, 'Grant', grant)) throw notFound('Grant');
      const revokedTokens = await revokeGrantById(ctx, grant.id);
      await ctx.deps.stores.events.record({ type: 'consent.revoked', ...ctx.audit, detail: { grantId: grant.id, tokens: revokedTokens, via: 'graphql' } });
      return { revokedTokens };
    },
    async revokeAllForUser(_: unknown, args: Args, ctx: GraphQLContext) {
      requireViewer(ctx, 'write');
      const userId = id(args.userId);
      if (!visible(ctx, 'User', await ctx.loaders.user.load(userId))) throw forbidden('You can only revoke your own tokens.');
      const revokedTokens = await ctx.deps.stores.admin.revokeAllForUser(userId, Date.now());
      await ctx.deps.stores.events.record({ type: 'token.revoked', ...ctx.audit, detail: { userId, tokens: revokedTokens, via: 'graphql' } });
      return { revokedTokens };
    },
    async revokeAllForClient(_: unknown, args: Args, ctx: GraphQLContext) {
      // Cutting off every user of a client is managing that client (issue 17 #8): the `applications` scope.
      requireViewer(ctx, 'applications');
      const client = await ctx.deps.stores.admin.client(id(args.clientId));
      if (!client || !seesWhole(ctx, client)) throw notFound('Client');
      const revokedTokens = await ctx.deps.stores.admin.revokeAllForClient(client.id, Date.now());
      await ctx.deps.stores.events.record({ type: 'token.revoked', clientId: client.clientId, ...ctx.audit, detail: { tokens: revokedTokens, via: 'graphql' } });
      return { revokedTokens };
    },
  },
  Grant: {
    user: async (g: GrantView, _: Args, ctx: GraphQLContext) => visible(ctx, 'User', await ctx.loaders.user.load(g.userId)),
    // The viewer's own consent shows the application it went to, as far as the policy lets them see it.
    client: async (g: GrantView, _: Args, ctx: GraphQLContext) => visible(ctx, 'Client', await ctx.loaders.client.load(g.clientDbId), { parent: g }),
    // `first` of them (newest first), as the cost rule counts them (limits.ts: BOUNDED_LISTS when absent).
    liveTokens: async (g: GrantView, args: Args, ctx: GraphQLContext) => visibleAll(ctx, 'Token', (await ctx.loaders.liveTokensByGrant.load(g.id)).slice(0, pageArgs(args).first)),
  },
};
