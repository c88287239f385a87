import { connection, pageArgs } from '../connection.ts';
import { requireViewer, type GraphQLContext } from '../context.ts';
import { forbidden, notFound } from '../errors.ts';
import { rowId, tokenId } from '../ids.ts';
import type { TokenKind, TokenView } from '../../storage/admin-store.ts';
import { visible, visibleAll } from '../policy.ts';

type Args = Record<string, any>;

const num = rowId; // issue 17 #13: the one id rule (ids.ts)

export const tokenResolvers = {
  Query: {
    async tokens(_: unknown, args: Args, ctx: GraphQLContext) {
      const v = requireViewer(ctx);
      const f = args.filter ?? {};
      const kind: TokenKind = f.kind ?? 'ACCESS';
      const userId = f.userId != null ? num(f.userId) : v.isAdmin ? undefined : v.user.id;
      if (!v.isAdmin && userId !== v.user.id) throw forbidden('You can only see your own tokens.');
      const page = pageArgs(args);
      const { items, total } = await ctx.deps.stores.admin.tokens({ kind, userId, clientId: f.clientId != null ? num(f.clientId) : undefined, activeOnly: Boolean(f.activeOnly) }, page);
      // Cursors are row ids (within a kind); token ids are `kind:id`.
      const shown = visibleAll(ctx, 'Token', items).map((t) => ({ id: t.rowId, token: t }));
      return connection(shown, total, page.first, (r) => r.token);
    },
  },
  Mutation: {
    async revokeToken(_: unknown, args: Args, ctx: GraphQLContext) {
      requireViewer(ctx, 'write');
      const t = tokenId(args.id);
      // The policy decides before anything changes; a token the viewer may not see does not exist for them.
      const done = t ? await ctx.deps.stores.admin.revokeToken(t.kind, t.id, Date.now(), (token) => visible(ctx, 'Token', token) !== null) : null;
      if (!done) throw notFound('Token');
      const revokedTokens = done.revoked;
      await ctx.deps.stores.events.record({ type: 'token.revoked', ...ctx.audit, userId: done.token.userId, detail: { id: args.id, via: 'graphql' } });
      return { revokedTokens };
    },
  },
  Token: {
    // The viewer's own token shows the application it was issued to, as far as the policy lets them see it.
    client: async (t: TokenView, _: Args, ctx: GraphQLContext) => visible(ctx, 'Client', await ctx.loaders.client.load(t.clientDbId), { parent: t }),
    user: async (t: TokenView, _: Args, ctx: GraphQLContext) => (t.userId === null ? null : visible(ctx, 'User', await ctx.loaders.user.load(t.userId))),
  },
};
