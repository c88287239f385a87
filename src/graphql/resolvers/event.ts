import { Repeater } from 'graphql-yoga';
import type { AuditEvent } from '../../oauth2/store.ts';
import { connection, pageArgs } from '../connection.ts';
import { requireViewer, stillAuthorized, type GraphQLContext } from '../context.ts';
import { forbidden } from '../errors.ts';
import { rowId } from '../ids.ts';
import { auditEventView, type EventView } from '../../storage/admin-store.ts';
import { hides, visible, visibleAll } from '../policy.ts';

type Args = Record<string, any>;

/** How old a subscription's verdict on its credentials may be when it sends an event; how often a quiet one checks. */
const RECHECK_MS = 250;
const IDLE_RECHECK_MS = 5000;
type Filter = { types?: string[] | null; userId?: string | null; clientId?: string | null } | null | undefined;

const matches = (e: AuditEvent, f: Filter) =>
  (!f?.types?.length || f.types.includes(e.type)) && (f?.userId == null || String(e.userId) === f.userId) && (f?.clientId == null || e.clientId === f.clientId);

/** The user whose events a non-admin may ask for: themselves, whether or not they filter by it. */
function scopedUserId(ctx: GraphQLContext, f: Filter): number | undefined {
  const v = requireViewer(ctx);
  if (v.isAdmin) return f?.userId == null ? undefined : rowId(f.userId); // issue 17 #13: ids.ts
  if (f?.userId != null && f.userId !== String(v.user.id)) throw forbidden('You can only see your own events.');
  return v.user.id;
}

export const eventResolvers = {
  Query: {
    async events(_: unknown, args: Args, ctx: GraphQLContext) {
      const f: Filter = args.filter;
      const userId = scopedUserId(ctx, f);
      const page = pageArgs(args);
      if (hides(ctx, 'Event')) return connection([], 0, page.first, (e: EventView) => e);
      const { items, total } = await ctx.deps.stores.admin.events({ types: f?.types ?? undefined, userId, clientId: f?.clientId ?? undefined }, page);
      return connection(visibleAll(ctx, 'Event', items), total, page.first, (e) => e);
    },
  },
  Subscription: {
    events: {
      subscribe(_: unknown, args: Args, ctx: GraphQLContext) {
        scopedUserId(ctx, args.filter);
        // Each subscriber gets its own stream of the events recorded from now on, filtered as asked and as the
        // policy allows (a non-admin: their own).
        return new Repeater<{ events: EventView }>(async (push, stop) => {
          // The stream outlives the request that authorized it: before sending on, it checks again that the token
          // is live and the user active (a verdict at most RECHECK_MS old), and ends when they are not. Checks run
          // one after another, so events keep their order.
          let verdict = { ok: true, at: Date.now() };
          let chain = Promise.resolve();
          const authorized = async () => {
            if (Date.now() - verdict.at >= RECHECK_MS) verdict = { ok: await stillAuthorized(ctx).catch(() => false), at: Date.now() };
            if (!verdict.ok) stop();
            return verdict.ok;
          };
          const unsubscribe = ctx.deps.stores.events.subscribe((e) => {
            if (!matches(e, args.filter)) return;
            const node = visible(ctx, 'Event', auditEventView(e));
            if (node) chain = chain.then(async () => { if (await authorized()) await push({ events: node }); });
          });
          // A quiet stream is checked too, so a revoked token's connection does not stay open.
          const idle = setInterval(() => { chain = chain.then(async () => { verdict.at = 0; await authorized(); }); }, IDLE_RECHECK_MS);
          await stop;
          clearInterval(idle);
          unsubscribe();
        });
      },
    },
  },
};
