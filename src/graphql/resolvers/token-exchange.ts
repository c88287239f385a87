import { requireAdmin, type GraphQLContext } from '../context.ts';
import { visible } from '../policy.ts';
import { badUserInput, forbidden, notFound } from '../errors.ts';
import { rowId, NO_ROW } from '../ids.ts';
import { tokenExchangePolicyRefusal } from '../../oauth2/privileges.ts';
import { validateTokenExchangePolicy } from '../../oauth2/token-exchange/policy.ts';
import { canonicalResource } from '../../oauth2/resources.ts';
import type { ClientView } from '../../storage/admin-store.ts';
import type { ClientFace } from '../policy.ts';

type Args = Record<string, any>;

const REFUSALS = {
  not_admin: 'Administrators only.',
  not_owner_registered: 'Dynamically registered clients can never exchange tokens.',
  public_client: 'Only confidential clients can exchange tokens.',
} as const;

/** RFC 8693 exchange policies: read and set by administrators only (privileges.ts decides who may set one). */
export const tokenExchangeResolvers = {
  Client: {
    async tokenExchangePolicy(c: ClientView | ClientFace, _: Args, ctx: GraphQLContext) {
      if (!ctx.viewer?.isAdmin || 'face' in c) return null;
      return (await ctx.deps.stores.admin.tokenExchangeOf(c.id))?.policy ?? null;
    },
  },
  Mutation: {
    async setTokenExchangePolicy(_: unknown, args: Args, ctx: GraphQLContext) {
      const v = requireAdmin(ctx, 'write');
      const id = rowId(args.id);
      const current = id === NO_ROW ? null : await ctx.deps.stores.admin.tokenExchangeOf(id);
      if (!current) throw notFound('Client');
      const refusal = tokenExchangePolicyRefusal({ isAdmin: v.isAdmin }, current);
      if (refusal) throw forbidden(REFUSALS[refusal]);
      let policy = null;
      if (args.policy) {
        const servers = await ctx.deps.stores.admin.resourceServers(1000);
        const issuer = canonicalResource(ctx.deps.config.issuer);
        const known = (r: string) => r === issuer || servers.some((s) => s.identifier === r);
        const { value, errors } = validateTokenExchangePolicy(args.policy, { known, issuer: ctx.deps.config.issuer });
        if (!value) throw badUserInput(errors, ['policy']);
        policy = value;
      }
      await ctx.deps.stores.admin.setTokenExchangePolicy(id, policy, v.user.id);
      // Deleted since the write: said as such, not as a null where the schema promises a client.
      const client = await ctx.deps.stores.admin.client(id);
      if (!client) throw notFound('Client');
      return visible(ctx, 'Client', client);
    },
  },
};
