import { CLIENT_AUTH_METHOD_NAMES } from '../../oauth2/client-auth.ts';
import { validateClientInput } from '../../oauth2/client-registration.ts';
import { REGISTRABLE_GRANT_TYPES } from '../../oauth2/grant-types.ts';
import { RESPONSE_TYPES } from '../../oauth2/response-types.ts';
import { deleteClient, registerClient, RegistrationBudgetSpent, rotateClientSecret, SecretRotationRace, updateClient, usesSecret } from '../../oauth2/clients.ts';
import { ACCESS_TOKEN_FORMATS, CLIENT_ORIGINS, SIGNING_ALGS, SUBJECT_TYPES, type ClientRecord } from '../../oauth2/store.ts';
import { connection, pageArgs } from '../connection.ts';
import { requireAdmin, requireViewer, type GraphQLContext } from '../context.ts';
import { initialTokenLifetimeProblem, issueInitialAccessToken } from '../../oauth2/dynamic-registration.ts';
import { rowId } from '../ids.ts';
import { badUserInput, conflict, notFound, rateLimited } from '../errors.ts';
import { CLIENT_FIELDS, clientRecordView, type ClientField, type ClientView } from '../../storage/admin-store.ts';
import { hides, isFace, readable, seesWhole, visible, visibleAll, type ClientFace } from '../policy.ts';
import { columnsFor, nodeFields } from '../selection.ts';
import type { GraphQLResolveInfo } from 'graphql';
import { RECENT_FAILURES } from '../../oauth2/failure-reasons.ts';
import { explainFailure } from '../../http/i18n/index.ts';

type Args = Record<string, any>;

/** Client fields with resolvers of their own (below): a page need not read anything for them. */
const RESOLVED_CLIENT_FIELDS = ['owner', 'grants', 'recentFailures'];

const clientDeps = (ctx: GraphQLContext) => ctx.deps.clientDeps;

/**
 * The client if the viewer may manage it: a session, an admin token or a token with the `applications` scope
 * (issue 17 #8: an ordinary app's `write` token does not), and a client the policy shows them whole (their own,
 * or any for an admin). Otherwise it does not exist for them.
 */
async function manageable(ctx: GraphQLContext, id: string): Promise<ClientRecord> {
  requireViewer(ctx, 'applications');
  const client = await ctx.deps.stores.clients.findById(rowId(id));
  if (!client || !seesWhole(ctx, clientRecordView(client))) throw notFound('Client');
  return client;
}

/** The registration rules, privileges included: the viewer's admin rights decide what they may allow (oauth2/privileges.ts). */
async function validated(ctx: GraphQLContext, input: Args, current?: ClientRecord) {
  const result = await validateClientInput(input, ctx.deps.registrationPolicy, { actor: { isAdmin: ctx.viewer?.isAdmin === true, id: ctx.viewer?.user.id }, current });
  if (!result.ok) throw badUserInput(result.errors);
  return result.value;
}

/**
 * A registry name as a GraphQL enum value: `client_secret_basic` is CLIENT_SECRET_BASIC, and a URN is named by its
 * last part (urn:ietf:params:oauth:grant-type:device_code is DEVICE_CODE). test/graphql/registry-drift.test.ts
 * holds schema/client.graphql to these.
 */
export const enumName = (name: string): string => name.replace(/^.*:/, '').replace(/[^A-Za-z0-9_]/g, '_').toUpperCase();
export const enumValues = (names: readonly string[]) => Object.fromEntries(names.map((n) => [enumName(n), n]));
/** A mutation's payload: the client as the policy shows it, and the secret made for it, once. */
const payload = (ctx: GraphQLContext, c: ClientRecord, clientSecret: string | null) => ({ client: visible(ctx, 'Client', clientRecordView(c)), clientSecret });

export const clientResolvers = {
  ClientSecretPayload: { client: (p: { client: ClientView | ClientFace | null }, _: Args, ctx: GraphQLContext) => readable(ctx, p.client, 'applications') },
  ClientType: { CONFIDENTIAL: 'confidential', PUBLIC: 'public' },
  GrantType: enumValues(REGISTRABLE_GRANT_TYPES),
  TokenEndpointAuthMethod: enumValues(CLIENT_AUTH_METHOD_NAMES),
  AccessTokenFormat: enumValues(ACCESS_TOKEN_FORMATS),
  SigningAlg: enumValues(SIGNING_ALGS),
  ResponseType: enumValues(RESPONSE_TYPES),
  SubjectType: enumValues(SUBJECT_TYPES),
  ClientOrigin: enumValues(CLIENT_ORIGINS),
  Query: {
    async clients(_: unknown, args: Args, ctx: GraphQLContext, info: GraphQLResolveInfo) {
      const v = requireViewer(ctx);
      const page = pageArgs(args);
      if (hides(ctx, 'Client')) return connection([], 0, page.first, (c: ClientView) => c);
      // Only the fields the query shows (null: it asks for one we do not know, so all of them).
      const fields = columnsFor(nodeFields(info), CLIENT_FIELDS, [], RESOLVED_CLIENT_FIELDS) as ClientField[] | null;
      const { items, total } = await ctx.deps.stores.admin.clients({ ownerId: v.isAdmin ? undefined : v.user.id }, page, fields ?? undefined);
      return connection(visibleAll(ctx, 'Client', items), total, page.first, (c) => c);
    },
    async client(_: unknown, args: Args, ctx: GraphQLContext) {
      requireViewer(ctx);
      if ((args.id == null) === (args.clientId == null)) throw badUserInput({ id: 'Give exactly one of id and clientId.' }, []);
      const c = args.id != null ? await ctx.deps.stores.admin.client(rowId(args.id)) : await ctx.deps.stores.admin.clientByClientId(args.clientId);
      return visible(ctx, 'Client', c);
    },
  },
  Mutation: {
    async createInitialAccessToken(_: unknown, args: Args, ctx: GraphQLContext) {
      const v = requireAdmin(ctx, 'write');
      const expiresIn = args.expiresIn ?? null;
      const problem = initialTokenLifetimeProblem(expiresIn);
      if (problem) throw badUserInput({ expiresIn: problem }, []);
      return issueInitialAccessToken(ctx.deps.stores.admin, { singleUse: args.singleUse !== false, expiresIn, createdBy: v.user.id });
    },
    async registerClient(_: unknown, args: Args, ctx: GraphQLContext) {
      const v = requireViewer(ctx, 'applications');
      const input = await validated(ctx, args.input);
      let registered: Awaited<ReturnType<typeof registerClient>>;
      try { registered = await registerClient(input, v.user.id, clientDeps(ctx), { ...ctx.audit, isAdmin: v.isAdmin }); } catch (e) {
        if (e instanceof RegistrationBudgetSpent) throw rateLimited(e.message, e.retryAfter);
        throw e;
      }
      return payload(ctx, registered.client, registered.clientSecret);
    },
    async updateClient(_: unknown, args: Args, ctx: GraphQLContext) {
      const existing = await manageable(ctx, args.id);
      const { client, clientSecret } = await updateClient(existing, await validated(ctx, args.input, existing), clientDeps(ctx), ctx.audit);
      return payload(ctx, client, clientSecret);
    },
    async rotateClientSecret(_: unknown, args: Args, ctx: GraphQLContext) {
      const client = await manageable(ctx, args.id);
      if (!usesSecret(client)) throw badUserInput({ id: 'This client has no secret: it is public or authenticates with private_key_jwt.' }, []);
      try {
        return payload(ctx, client, await rotateClientSecret(client, clientDeps(ctx), ctx.audit));
      } catch (e) {
        if (e instanceof SecretRotationRace) throw conflict(e.message);
        throw e;
      }
    },
    async deleteClient(_: unknown, args: Args, ctx: GraphQLContext) {
      const client = await manageable(ctx, args.id);
      await deleteClient(client, clientDeps(ctx), ctx.audit);
      return { deletedId: String(client.id) };
    },
  },
  // A client's public face (policy.ts) has no owner and no grants: its other fields resolve to null by themselves.
  Client: {
    owner: async (c: ClientView | ClientFace, _: Args, ctx: GraphQLContext) => (isFace(c) ? null : visible(ctx, 'User', await ctx.loaders.user.load(c.ownerId))),
    async grants(c: ClientView | ClientFace, args: Args, ctx: GraphQLContext) {
      const page = pageArgs(args);
      if (!seesWhole(ctx, c)) return connection([], 0, 0, (g: { id: number }) => g);
      const all = visibleAll(ctx, 'Grant', await ctx.loaders.grantsByClient.load(c.id)).filter((g) => page.afterId === null || g.id > page.afterId);
      return connection(all, all.length, page.first, (g) => g);
    },
    // Through the policy: only a viewer who sees the client whole (its owner, an administrator) reads why it failed.
    async recentFailures(c: ClientView | ClientFace, args: Args, ctx: GraphQLContext) {
      if (!seesWhole(ctx, c)) return null;
      const first = Math.min(Math.max(Number(args.first ?? RECENT_FAILURES), 0), RECENT_FAILURES);
      const failures = await ctx.deps.stores.events.recentFailures(c.clientId, first);
      return failures.map((f) => ({ reason: f.reason, explanation: explainFailure(f.reason), error: f.error, requestId: f.requestId, at: f.createdAt }));
    },
  },
};
