import { connection, pageArgs } from '../connection.ts';
import { requireViewer, type GraphQLContext } from '../context.ts';
import { forbidden, notFound } from '../errors.ts';
import { rowId } from '../ids.ts';
import { grantNode, type GrantNode, type TokenNode } from '../mappers.ts';
import { seesWhole, visible, visibleAll } from '../policy.ts';

type Args = Record<string, any>;

const id = rowId; // issue 17 #13: the one id rule (ids.ts)
const newestFirst = (tokens: TokenNode[]) => [...tokens].sort((a, b) => b.issuedAt - a.issuedAt);

/** Revocation through the admin API goes down the same path as the pages: grant first, then its tokens. */
async function revokeGrantById(ctx: GraphQLContext, grantId: number): Promise<number> {
  const now = Date.now();
  await ctx.deps.stores.grants.revoke(grantId, now);
  return ctx.deps.stores.tokens.revokeByGrant(grantId, now);
}

export const grantResolvers = {
  Query: {
    async grants(_: unknown, args: Args, ctx: GraphQLContext) {
      const v = requireViewer(ctx);
      const userId = args.userId != null ? id(args.userId) : v.isAdmin ? undefined : v.user.id;
      if (!v.isAdmin && userId !== v.user.id) throw forbidden('You can only see your own grants.');
      const page = pageArgs(args);
      const { rows, total } = await ctx.deps.stores.admin.page('grants', { user_id: userId, application_id: args.clientId != null ? id(args.clientId) : undefined, revoked_at: null }, page);
      return connection(visibleAll(ctx, 'Grant', rows.map(grantNode)), total, page.first, (g) => g);
    },
  },
  Mutation: {
    async revokeGrant(_: unknown, args: Args, ctx: GraphQLContext) {
      requireViewer(ctx, 'write');
      const [row] = await ctx.deps.stores.admin.byIds('grants', [id(args.id)]);
      if (!row || !visible(ctx, 'Grant', grantNode(row))) throw notFound('Grant');
      const revokedTokens = await revokeGrantById(ctx, row.id);
      await ctx.deps.stores.events.record({ type: 'consent.revoked', ...ctx.audit, detail: { grantId: row.id, tokens: revokedTokens, via: 'graphql' } });
      return { revokedTokens };
    },
    async revokeAllForUser(_: unknown, args: Args, ctx: GraphQLContext) {
      requireViewer(ctx, 'write');
      const userId = id(args.userId);
      if (!visible(ctx, 'User', await ctx.loaders.user.load(userId))) throw forbidden('You can only revoke your own tokens.');
      const now = Date.now();
      await ctx.deps.stores.admin.revokeGrantsWhere('user_id', userId, now);
      const revokedTokens = await ctx.deps.stores.admin.revokeWhere('user_id', userId, now);
      await ctx.deps.stores.events.record({ type: 'token.revoked', ...ctx.audit, detail: { userId, tokens: revokedTokens, via: 'graphql' } });
      return { revokedTokens };
    },
    async revokeAllForClient(_: unknown, args: Args, ctx: GraphQLContext) {
      // Cutting off every user of a client is managing that client (issue 17 #8): the `applications` scope.
      requireViewer(ctx, 'applications');
      const client = await ctx.deps.stores.clients.findById(id(args.clientId));
      if (!client || !seesWhole(ctx, { ...client })) throw notFound('Client');
      const now = Date.now();
      await ctx.deps.stores.admin.revokeGrantsWhere('application_id', client.id, now);
      const revokedTokens = await ctx.deps.stores.admin.revokeWhere('application_id', client.id, now);
      await ctx.deps.stores.events.record({ type: 'token.revoked', clientId: client.clientId, ...ctx.audit, detail: { tokens: revokedTokens, via: 'graphql' } });
      return { revokedTokens };
    },
  },
  Grant: {
    user: async (g: GrantNode, _: Args, ctx: GraphQLContext) => visible(ctx, 'User', await ctx.loaders.user.load(g.userId)),
    // The viewer's own consent shows the application it went to, as far as the policy lets them see it.
    client: async (g: GrantNode, _: Args, ctx: GraphQLContext) => visible(ctx, 'Client', await ctx.loaders.client.load(g.clientDbId), { parent: g }),
    // `first` of them, newest first, as the cost rule counts them (limits.ts: BOUNDED_LISTS when absent).
    liveTokens: async (g: GrantNode, args: Args, ctx: GraphQLContext) => visibleAll(ctx, 'Token', newestFirst(await ctx.loaders.liveTokensByGrant.load(g.id)).slice(0, pageArgs(args).first)),
  },
};
