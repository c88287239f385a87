import { connection, pageArgs } from '../connection.ts';
import { requireViewer, type GraphQLContext } from '../context.ts';
import { forbidden, notFound } from '../errors.ts';
import { rowId, tokenId } from '../ids.ts';
import { TOKEN_TABLES, tokenNode, type TokenKind, type TokenNode } from '../mappers.ts';
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
      const where: Record<string, unknown> = { user_id: userId, application_id: f.clientId != null ? num(f.clientId) : undefined };
      if (kind === 'OAUTH1') where.kind = 'access';
      if (f.activeOnly) { where.revoked_at = null; if (kind !== 'OAUTH1') where.expires_at = { gt: Date.now() }; }
      const { rows, total } = await ctx.deps.stores.admin.page(TOKEN_TABLES[kind], where, page);
      // Cursors are row ids; token nodes carry `kind:id`. The policy filters the nodes, the page keeps their rows.
      const now = Date.now();
      const nodes = new Map(rows.map((r) => [r, tokenNode(r, kind, now)]));
      const shown = new Set(visibleAll(ctx, 'Token', [...nodes.values()]));
      return connection(rows.filter((r) => shown.has(nodes.get(r)!)), total, page.first, (r) => nodes.get(r)!);
    },
  },
  Mutation: {
    async revokeToken(_: unknown, args: Args, ctx: GraphQLContext) {
      requireViewer(ctx, 'write');
      const t = tokenId(args.id);
      const kind: TokenKind = t?.kind ?? 'ACCESS';
      const [row] = t ? await ctx.deps.stores.admin.byColumn(TOKEN_TABLES[kind], 'id', [t.id]) : [];
      if (!row || !visible(ctx, 'Token', tokenNode(row, kind))) throw notFound('Token');
      const now = Date.now();
      // A refresh token takes its family with it (RFC 7009 §2.1), as at the revocation endpoint.
      const revokedTokens = kind === 'REFRESH' && row.family_id
        ? await ctx.deps.stores.tokens.revokeFamily({ familyId: String(row.family_id), grantId: row.grant_id === null ? null : Number(row.grant_id) }, now)
        : kind === 'OAUTH1'
          ? await ctx.deps.stores.oauth1.revokeById(row.id, now)
          : Number(await ctx.deps.stores.tokens.revokeAccessToken(String(row.token_hash), now));
      await ctx.deps.stores.events.record({ type: 'token.revoked', ...ctx.audit, userId: row.user_id as number | null, detail: { id: args.id, via: 'graphql' } });
      return { revokedTokens };
    },
  },
  Token: {
    // The viewer's own token shows the application it was issued to, as far as the policy lets them see it.
    client: async (t: TokenNode, _: Args, ctx: GraphQLContext) => visible(ctx, 'Client', await ctx.loaders.client.load(t.clientDbId), { parent: t }),
    user: async (t: TokenNode, _: Args, ctx: GraphQLContext) => (t.userId === null ? null : visible(ctx, 'User', await ctx.loaders.user.load(t.userId))),
  },
};
