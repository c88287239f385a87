import { requireAdmin, type GraphQLContext } from '../context.ts';
import { pageArgs } from '../connection.ts';
import { visible, visibleAll } from '../policy.ts';
import { badUserInput, notFound } from '../errors.ts';
import { rowId, NO_ROW } from '../ids.ts';
import { validateResourceServer } from '../../oauth2/resources.ts';

type Args = Record<string, any>;

/** The input checked by the core's one rule (oauth2/resources.ts), its field errors as BAD_USER_INPUT. */
function validated(ctx: GraphQLContext, input: Args) {
  const { value, errors } = validateResourceServer(input, { knownScopes: Object.keys(ctx.deps.config.scopes), issuer: ctx.deps.config.issuer });
  if (!value) throw badUserInput(errors);
  return value;
}

const taken = () => badUserInput({ identifier: 'Another resource server has this identifier.' });

/** RFC 8707 resource servers: administrators only (policy.ts shows a ResourceServer node to nobody else). */
export const resourceServerResolvers = {
  Query: {
    async resourceServers(_: unknown, args: Args, ctx: GraphQLContext) {
      requireAdmin(ctx);
      return visibleAll(ctx, 'ResourceServer', await ctx.deps.stores.admin.resourceServers(pageArgs(args).first));
    },
  },
  Mutation: {
    async createResourceServer(_: unknown, args: Args, ctx: GraphQLContext) {
      const v = requireAdmin(ctx, 'write');
      const created = await ctx.deps.stores.admin.createResourceServer(validated(ctx, args.input), v.user.id);
      if (created === 'identifier_taken') throw taken();
      return visible(ctx, 'ResourceServer', created);
    },
    async updateResourceServer(_: unknown, args: Args, ctx: GraphQLContext) {
      const v = requireAdmin(ctx, 'write');
      const id = rowId(args.id);
      const data = validated(ctx, args.input);
      const updated = id === NO_ROW ? null : await ctx.deps.stores.admin.updateResourceServer(id, data, v.user.id);
      if (updated === 'identifier_taken') throw taken();
      if (!updated) throw notFound('Resource server');
      return visible(ctx, 'ResourceServer', updated);
    },
    async deleteResourceServer(_: unknown, args: Args, ctx: GraphQLContext) {
      const v = requireAdmin(ctx, 'write');
      const id = rowId(args.id);
      return id !== NO_ROW && ctx.deps.stores.admin.deleteResourceServer(id, v.user.id);
    },
  },
};
