import { createUser } from '../../accounts/users.ts';
import { connection, pageArgs } from '../connection.ts';
import { requireAdmin, requireViewer, type GraphQLContext } from '../context.ts';
import { rowId } from '../ids.ts';
import { badUserInput, notFound } from '../errors.ts';
import { userRecordView, type UserView } from '../../storage/admin-store.ts';
import { visible, visibleAll } from '../policy.ts';

type Args = Record<string, any>;

export const userResolvers = {
  Query: {
    viewer: (_: unknown, __: Args, ctx: GraphQLContext) => visible(ctx, 'User', userRecordView(requireViewer(ctx).user)),
    async users(_: unknown, args: Args, ctx: GraphQLContext) {
      requireAdmin(ctx);
      const page = pageArgs(args);
      const { items, total } = await ctx.deps.stores.admin.users(page);
      return connection(visibleAll(ctx, 'User', items), total, page.first, (u) => u);
    },
  },
  Mutation: {
    async createUser(_: unknown, args: Args, ctx: GraphQLContext) {
      requireAdmin(ctx, 'write');
      const r = await createUser(ctx.deps.stores.users, args.input);
      if (!r.ok) throw badUserInput(r.errors);
      await ctx.deps.stores.events.record({ type: 'user.created', ...ctx.audit, detail: { id: r.user.id, username: r.user.username } });
      return { user: visible(ctx, 'User', userRecordView(r.user)) };
    },
    async setUserActive(_: unknown, args: Args, ctx: GraphQLContext) {
      const v = requireAdmin(ctx, 'write');
      const id = rowId(args.id);
      if (id === v.user.id && !args.active) throw badUserInput({ id: 'You cannot deactivate yourself.' }, []);
      const user = Number.isNaN(id) ? null : await ctx.deps.stores.users.findById(id);
      if (!user) throw notFound('User');
      await ctx.deps.stores.users.setActive(id, args.active);
      await ctx.deps.stores.events.record({ type: args.active ? 'user.activated' : 'user.deactivated', ...ctx.audit, detail: { id } });
      return { user: visible(ctx, 'User', { ...userRecordView(user), isActive: args.active }) };
    },
  },
  User: {
    async clients(u: UserView, args: Args, ctx: GraphQLContext) {
      if (!visible(ctx, 'User', u)) return connection([], 0, 0, (x: { id: number }) => x);
      const page = pageArgs(args);
      const all = visibleAll(ctx, 'Client', await ctx.loaders.clientsByOwner.load(u.id)).filter((c) => page.afterId === null || c.id > page.afterId);
      return connection(all, all.length, page.first, (c) => c);
    },
  },
};
