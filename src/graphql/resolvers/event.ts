import { Repeater } from 'graphql-yoga';
import type { AuditEvent } from '../../oauth2/store.ts';
import { connection, pageArgs } from '../connection.ts';
import { requireAdmin, type GraphQLContext } from '../context.ts';
import { eventNode } from '../mappers.ts';

type Args = Record<string, any>;
type Filter = { types?: string[] | null; userId?: string | null; clientId?: string | null } | null | undefined;

const matches = (e: AuditEvent, f: Filter) =>
  (!f?.types?.length || f.types.includes(e.type)) && (f?.userId == null || String(e.userId) === f.userId) && (f?.clientId == null || e.clientId === f.clientId);

export const eventResolvers = {
  Query: {
    async events(_: unknown, args: Args, ctx: GraphQLContext) {
      requireAdmin(ctx);
      const f: Filter = args.filter;
      const page = pageArgs(args);
      const where = { type: f?.types?.length ? f.types : undefined, user_id: f?.userId ?? undefined, client_id: f?.clientId ?? undefined };
      const { rows, total } = await ctx.deps.stores.admin.page('events', where, page, 'desc');
      return connection(rows, total, page.first, eventNode);
    },
  },
  Subscription: {
    events: {
      subscribe(_: unknown, args: Args, ctx: GraphQLContext) {
        requireAdmin(ctx);
        // Each subscriber gets its own stream of the events recorded from now on, filtered as asked.
        return new Repeater<{ events: ReturnType<typeof eventNode> }>(async (push, stop) => {
          const unsubscribe = ctx.deps.stores.events.subscribe((e) => {
            if (!matches(e, args.filter)) return;
            push({ events: { id: e.id, type: e.type, createdAt: e.createdAt, userId: e.userId ?? null, clientId: e.clientId ?? null, ip: e.ip ?? null, requestId: e.requestId ?? null, detail: e.detail ? JSON.stringify(e.detail) : null } });
          });
          await stop;
          unsubscribe();
        });
      },
    },
  },
};
