import { createUser, setPassword, updateProfile, type ProfileUpdate } from '../../accounts/users.ts';
import { connection, pageArgs } from '../connection.ts';
import { requireAdmin, requireViewer, type GraphQLContext } from '../context.ts';
import { rowId } from '../ids.ts';
import { badUserInput, notFound } from '../errors.ts';
import { userRecordView, type UserView } from '../../storage/admin-store.ts';
import { claimAllowed, readable, requireClaims, visible, visibleAll } from '../policy.ts';

type Args = Record<string, any>;

// The SDL names claims in camelCase (givenName), the core as OpenID Connect does (given_name).
const snakeKey = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const camelKey = (k: string) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
function renameKeys(o: Record<string, unknown>, rename: (k: string) => string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [rename(k), v && typeof v === 'object' ? renameKeys(v as Record<string, unknown>, rename) : v]));
}

export const userResolvers = {
  UserPayload: { user: (p: { user: UserView | null }, _: Args, ctx: GraphQLContext) => readable(ctx, p.user) },
  Query: {
    viewer: (_: unknown, __: Args, ctx: GraphQLContext) => visible(ctx, 'User', userRecordView(requireViewer(ctx).user)),
    async users(_: unknown, args: Args, ctx: GraphQLContext) {
      requireAdmin(ctx);
      const page = pageArgs(args);
      const search = typeof args.search === 'string' && args.search.trim() ? args.search.trim().slice(0, 150) : undefined;
      const { items, total } = await ctx.deps.stores.admin.users({ search }, page);
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
      // Deactivation revokes what the user holds (UserRepository.setActive): `tokens` says how much.
      const revoked = await ctx.deps.stores.users.setActive(id, args.active);
      await ctx.deps.stores.events.record({ type: args.active ? 'user.activated' : 'user.deactivated', ...ctx.audit, detail: args.active ? { id } : { id, tokens: revoked } });
      if (!args.active) await ctx.deps.loginSessions.endAllOf(id, 'deactivated', ctx.audit);
      return { user: visible(ctx, 'User', { ...userRecordView(user), isActive: args.active }) };
    },
    async setUserAdmin(_: unknown, args: Args, ctx: GraphQLContext) {
      const v = requireAdmin(ctx, 'write');
      const id = rowId(args.id);
      // The last word on who administers stays with another administrator: nobody locks themselves out by a click.
      if (id === v.user.id && !args.isAdmin) throw badUserInput({ id: 'You cannot take your own administrator rights.' }, []);
      const user = Number.isNaN(id) ? null : await ctx.deps.stores.users.findById(id);
      if (!user || !(await ctx.deps.stores.admin.setUserAdmin(id, args.isAdmin === true))) throw notFound('User');
      await ctx.deps.stores.events.record({ type: args.isAdmin ? 'user.admin_granted' : 'user.admin_revoked', ...ctx.audit, detail: { id } });
      return { user: visible(ctx, 'User', { ...userRecordView(user), isAdmin: args.isAdmin === true }) };
    },
    async endUserSessions(_: unknown, args: Args, ctx: GraphQLContext) {
      requireAdmin(ctx, 'write');
      const id = rowId(args.id);
      const user = Number.isNaN(id) ? null : await ctx.deps.stores.users.findById(id);
      if (!user) throw notFound('User');
      await ctx.deps.loginSessions.endAllOf(id, 'administrator', ctx.audit);
      return { user: visible(ctx, 'User', userRecordView(user)) };
    },
    async setUserPassword(_: unknown, args: Args, ctx: GraphQLContext) {
      requireAdmin(ctx, 'write');
      const id = rowId(args.id);
      const user = Number.isNaN(id) ? null : await ctx.deps.stores.users.findById(id);
      if (!user) throw notFound('User');
      const r = await setPassword(ctx.deps.stores.users, id, String(args.password));
      if (!r.ok) throw badUserInput(r.errors);
      await ctx.deps.stores.events.record({ type: 'user.password_changed', ...ctx.audit, detail: { id } });
      await ctx.deps.loginSessions.endAllOf(id, 'password_changed', ctx.audit);
      return { user: visible(ctx, 'User', userRecordView(user)) };
    },
    async updateProfile(_: unknown, args: Args, ctx: GraphQLContext) {
      const v = requireViewer(ctx, 'write');
      const id = rowId(args.id);
      // The policy decides whose profile the viewer may reach: their own, or anyone's for an administrator.
      const found = Number.isNaN(id) ? null : await ctx.deps.stores.users.findById(id);
      const user = found && visible(ctx, 'User', userRecordView(found)) ? found : null;
      if (!user) throw notFound('User');
      const edit = renameKeys(args.input, snakeKey) as ProfileUpdate;
      requireClaims(ctx, Object.keys(edit));
      const r = await updateProfile(ctx.deps.stores.users, user, edit, v.isAdmin);
      if (!r.ok) throw badUserInput(renameKeys(r.errors, (k) => k.split('.').map(camelKey).join('.')) as Record<string, string>);
      await ctx.deps.stores.events.record({ type: 'user.profile_updated', ...ctx.audit, detail: { id, fields: Object.keys(args.input) } });
      return { user: visible(ctx, 'User', userRecordView(r.user)) };
    },
  },
  User: {
    // Each field is the claim of its name (emailVerified is email_verified), released as the policy says.
    email: (u: UserView, _: Args, ctx: GraphQLContext) => (claimAllowed(ctx, 'email') ? u.email : null),
    emailVerified: (u: UserView, _: Args, ctx: GraphQLContext) => claimAllowed(ctx, snakeKey('emailVerified')) && u.emailVerified,
    updatedAt: (u: UserView, _: Args, ctx: GraphQLContext) => (claimAllowed(ctx, snakeKey('updatedAt')) ? u.updatedAt : null),
    profile: (u: UserView, _: Args, ctx: GraphQLContext) => ({
      phoneNumberVerified: false,
      ...renameKeys(Object.fromEntries(Object.entries(u.profile).filter(([claim]) => claimAllowed(ctx, claim))), camelKey),
    }),
    async clients(u: UserView, args: Args, ctx: GraphQLContext) {
      if (!visible(ctx, 'User', u)) return connection([], 0, 0, (x: { id: number }) => x);
      const page = pageArgs(args);
      const all = visibleAll(ctx, 'Client', await ctx.loaders.clientsByOwner.load(u.id)).filter((c) => page.afterId === null || c.id > page.afterId);
      return connection(all, all.length, page.first, (c) => c);
    },
  },
};
