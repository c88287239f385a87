import { Repeater } from 'graphql-yoga';
import type { AuditEvent } from '../../oauth2/store.ts';
import { connection, pageArgs } from '../connection.ts';
import { requireViewer, stillAuthorized, type GraphQLContext } from '../context.ts';
import { forbidden } from '../errors.ts';
import { rowId } from '../ids.ts';
import { eventNode, type EventNode } from '../mappers.ts';
import { visible, visibleAll } from '../policy.ts';

type Args = Record<string, any>;

/** How old a subscription's verdict on its credentials may be when it sends an event; how often a quiet one checks. */
const RECHECK_MS = 250;
const IDLE_RECHECK_MS = 5000;
type Filter = { types?: string[] | null; userId?: string | null; clientId?: string | null } | null | undefined;

const matches = (e: AuditEvent, f: Filter) =>
  (!f?.types?.length || f.types.includes(e.type)) && (f?.userId == null || String(e.userId) === f.userId) && (f?.clientId == null || e.clientId === f.clientId);

/** The user whose events a non-admin may ask for: themselves, whether or not they filter by it. */
function scopedUserId(ctx: GraphQLContext, f: Filter): string | undefined {
  const v = requireViewer(ctx);
  if (v.isAdmin) return f?.userId == null ? undefined : String(rowId(f.userId)); // issue 17 #13: ids.ts
  if (f?.userId != null && f.userId !== String(v.user.id)) throw forbidden('You can only see your own events.');
  return String(v.user.id);
}

export const eventResolvers = {
  Query: {
    async events(_: unknown, args: Args, ctx: GraphQLContext) {
      const f: Filter = args.filter;
      const userId = scopedUserId(ctx, f);
      const page = pageArgs(args);
      const where = { type: f?.types?.length ? f.types : undefined, user_id: userId, client_id: f?.clientId ?? undefined };
      const { rows, total } = await ctx.deps.stores.admin.page('events', where, page, 'desc');
      return connection(visibleAll(ctx, 'Event', rows.map(eventNode)), total, page.first, (e) => e);
    },
  },
  Subscription: {
    events: {
      subscribe(_: unknown, args: Args, ctx: GraphQLContext) {
        scopedUserId(ctx, args.filter);
        // Each subscriber gets its own stream of the events recorded from now on, filtered as asked and as the
        // policy allows (a non-admin: their own).
        return new Repeater<{ events: EventNode }>(async (push, stop) => {
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
            const node = visible(ctx, 'Event', { id: e.id, type: e.type, createdAt: e.createdAt, userId: e.userId ?? null, clientId: e.clientId ?? null, ip: e.ip ?? null, requestId: e.requestId ?? null, detail: e.detail ? JSON.stringify(e.detail) : null });
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
