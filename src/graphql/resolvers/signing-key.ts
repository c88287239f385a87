import { GraphQLError } from 'graphql';
import { RotationTooSoon } from '../../oidc/keys.ts';
import { requireAdmin, type GraphQLContext } from '../context.ts';
import { pageArgs } from '../connection.ts';
import { visibleAll } from '../policy.ts';
import { enumValues } from './client.ts';
import type { SigningKeyView } from '../../storage/admin-store.ts';

type Args = Record<string, any>;

export const signingKeyResolvers = {
  SigningKeyStatus: enumValues(['next', 'current', 'retired']),
  Query: {
    async signingKeys(_: unknown, args: Args, ctx: GraphQLContext) {
      requireAdmin(ctx);
      // A server that has signed nothing yet (tests, a fresh start without `serve`) makes its keys now.
      await ctx.deps.signingKeys.ensure();
      return visibleAll(ctx, 'SigningKey', await ctx.deps.stores.admin.signingKeys(pageArgs(args).first));
    },
  },
  Mutation: {
    async rotateSigningKeys(_: unknown, args: Args, ctx: GraphQLContext) {
      requireAdmin(ctx, 'write');
      const force = args.force === true;
      let rotated;
      try { rotated = await ctx.deps.signingKeys.rotate({ force, audit: ctx.audit }); } catch (e) {
        if (!(e instanceof RotationTooSoon)) throw e;
        throw new GraphQLError(e.forcedBy('force: true'), { extensions: { code: 'ROTATION_TOO_SOON', retryInSeconds: e.retryInSeconds } });
      }
      return { currentKids: rotated.map((r) => r.promoted).filter((k) => k !== null), nextKids: rotated.map((r) => r.published) };
    },
  },
  SigningKey: {
    retiresAt: (k: SigningKeyView, _: Args, ctx: GraphQLContext) => (k.retiredAt === null ? null : ctx.deps.signingKeys.publishedUntil(k.retiredAt)),
  },
};
