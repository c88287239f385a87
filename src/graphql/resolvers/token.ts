import { connection, pageArgs } from '../connection.ts';
import { requireViewer, type GraphQLContext } from '../context.ts';
import { forbidden, notFound } from '../errors.ts';
import { TOKEN_TABLES, tokenNode, type TokenKind, type TokenNode } from '../mappers.ts';

type Args = Record<string, any>;

const num = (value: unknown) => (typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : -1);

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
      return connection(rows, total, page.first, (r) => tokenNode(r, kind));
    },
  },
  Mutation: {
    async revokeToken(_: unknown, args: Args, ctx: GraphQLContext) {
      const v = requireViewer(ctx, 'write');
      const m = /^(access|refresh|oauth1):(\d{1,12})$/.exec(String(args.id));
      const table = TOKEN_TABLES[(m?.[1] ?? 'access').toUpperCase() as TokenKind];
      const [row] = m ? await ctx.deps.stores.admin.byColumn(table, 'id', [Number(m[2])]) : [];
      if (!row || (!v.isAdmin && Number(row.user_id) !== v.user.id)) throw notFound('Token');
      const now = Date.now();
      // A refresh token takes its family with it (RFC 7009 §2.1), as at the revocation endpoint.
      const revokedTokens = m![1] === 'refresh' && row.family_id
        ? await ctx.deps.stores.tokens.revokeFamily({ familyId: String(row.family_id), grantId: row.grant_id === null ? null : Number(row.grant_id) }, now)
        : m![1] === 'oauth1'
          ? await ctx.deps.stores.oauth1.revokeById(row.id, now)
          : Number(await ctx.deps.stores.tokens.revokeAccessToken(String(row.token_hash), now));
      await ctx.deps.stores.events.record({ type: 'token.revoked', ...ctx.audit, userId: row.user_id as number | null, detail: { id: args.id, via: 'graphql' } });
      return { revokedTokens };
    },
  },
  Token: {
    client: (t: TokenNode, _: Args, ctx: GraphQLContext) => ctx.loaders.client.load(t.clientDbId),
    user: (t: TokenNode, _: Args, ctx: GraphQLContext) => (t.userId === null ? null : ctx.loaders.user.load(t.userId)),
  },
};
