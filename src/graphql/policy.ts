import type { GraphQLContext, Viewer } from './context.ts';
import { anonymous, forbidden } from './errors.ts';
import { claimsOfScope } from '../oidc/claims.ts';
import type { InitialAccessTokenInfo } from '../oauth2/store.ts';
import type { ClientView, EventView, GrantView, ResourceServerView, SigningKeyView, TokenView, UserView } from '../storage/admin-store.ts';

// Who may see which node of the admin API: the one place that decides it, per node type. Every resolver that returns
// a node, at the root or nested, in a list, a connection, a mutation's payload or an event stream, hands it to
// `visible` or `visibleAll` below; test/security/graphql-nested.test.ts walks every field of the SDL to hold us to it.
//
// An administrator (an admin user's session, or a token with the `admin` scope of an admin user) sees everything.
// Anyone else sees:
//   User    themselves
//   Client  their own applications, whole; an application they authorized (reached through their own grant or
//           token), only its public face: id, clientId and name, as the consent page showed it
//   Grant   their own consents (a consent belongs to the person who gave it, not to the application's owner)
//   Token   their own tokens (tokens of a client without a user belong to no one but administrators)
//   Event   the audit entries about themselves
//   SigningKey  nothing (administrators only)
//   InitialAccessToken  nothing (administrators only)
//   ResourceServer  nothing (administrators only: who may receive tokens is theirs to decide, RFC 8707)
// A node the viewer may not see is null, or left out of its list: never an error, which would tell it exists.
//
// A bearer token reaches the user's own applications (whole: redirect URIs, recent failures) and their audit log
// (IP addresses) only with the privileged `applications` scope, the one managing applications needs; a third-party
// app's `read` token sees them as absent: lists empty, totalCount 0 (issue 21 #6). The browser session (the console,
// the pages) sees both as before. `hides` says so for a whole list, before it is counted.
//
// Within a User node, the OpenID Connect claims (email, the profile, phone, address) follow the consent page's
// promise (Core §5.4): an application's token reads and changes only the claims its scopes release (`email`,
// `profile`, `phone`, `address`); the user's own session and an administrator reach them all (`claimAllowed`).

interface Nodes { User: UserView; Client: ClientView | ClientFace; Grant: GrantView; Token: TokenView; Event: EventView; SigningKey: SigningKeyView; InitialAccessToken: InitialAccessTokenInfo; ResourceServer: ResourceServerView }
export type NodeType = keyof Nodes;

/** How the node was reached: through one of the viewer's own grants or tokens (`parent`), or directly. */
interface Via { parent?: { userId: number | null } }

/** What a person who authorized an application sees of it; the resolvers of other Client fields answer null. */
export interface ClientFace { id: number; clientId: string; name: string; face: true }

const face = (c: ClientView | ClientFace): ClientFace => ({ id: c.id, clientId: c.clientId, name: c.name, face: true });
export const isFace = (c: ClientView | ClientFace): c is ClientFace => 'face' in c;

/** Who asks. The scopes a call needs were checked by its root resolver (requireViewer); this is about nodes. */
function viewerOf(ctx: GraphQLContext): Viewer {
  if (!ctx.viewer) throw anonymous(ctx);
  return ctx.viewer;
}

const self = (v: Viewer, userId: number | null | undefined) => userId !== null && userId !== undefined && Number(userId) === v.user.id;

/** The user's own applications and audit log: their session, or a token with the `applications` scope. */
const ownsPrivately = (v: Viewer) => v.via === 'session' || v.scopes.includes('applications');

const RULES: { [K in NodeType]: (v: Viewer, node: Nodes[K], via: Via) => Nodes[K] | null } = {
  User: (v, u) => (self(v, u.id) ? u : null),
  Client: (v, c, via) => (!isFace(c) && self(v, c.ownerId) && ownsPrivately(v) ? c : self(v, via.parent?.userId) ? face(c) : null),
  Grant: (v, g) => (self(v, g.userId) ? g : null),
  Token: (v, t) => (self(v, t.userId) ? t : null),
  Event: (v, e) => (self(v, e.userId) && ownsPrivately(v) ? e : null),
  SigningKey: () => null,
  InitialAccessToken: () => null,
  ResourceServer: () => null,
};

/** The node as the viewer may see it (the whole node, a public face, or null). */
export function visible<K extends NodeType>(ctx: GraphQLContext, type: K, node: Nodes[K] | null | undefined, via: Via = {}): Nodes[K] | null {
  if (node === null || node === undefined) return null;
  const v = viewerOf(ctx);
  return v.isAdmin ? node : RULES[type](v, node, via);
}

/**
 * A mutation's payload node as the viewer may read it: null to a token without the `read` scope, which may change
 * what it changes but not read it back (queries check `read` at their root, requireViewer; attacker read 13B, F5: a
 * `write`-only token's updateProfile payload answered username, isAdmin and lastLoginAt). The payload types'
 * node fields (UserPayload.user, ClientSecretPayload.client) resolve through it.
 */
export function readable<T>(ctx: GraphQLContext, node: T | null, managing?: 'applications'): T | null {
  const v = viewerOf(ctx);
  // A client's payload also reads to the `applications` scope, which manages the user's own clients (manageable).
  return v.isAdmin || v.scopes.includes('read') || (managing !== undefined && v.scopes.includes(managing)) ? node : null;
}

/** The nodes of a list the viewer may see whole, in order; the others (a client's public face included) are left out. */
export function visibleAll<K extends NodeType, N extends Nodes[K]>(ctx: GraphQLContext, type: K, nodes: readonly N[], via: Via = {}): N[] {
  const v = viewerOf(ctx);
  if (v.isAdmin) return nodes as N[];
  return nodes.filter((n) => RULES[type](v, n, via) === n);
}

/**
 * Whether the viewer sees no node of this list whole at all (its lists answer empty, with totalCount 0, and run no
 * query): the user's applications and events to a token without `applications`.
 */
export function hides(ctx: GraphQLContext, type: 'Client' | 'Event'): boolean {
  const v = viewerOf(ctx);
  return !v.isAdmin && !ownsPrivately(v) && (type === 'Client' || type === 'Event');
}

/** Whether the viewer sees a client whole (may read its owner-only fields and what hangs below it). */
export const seesWhole = (ctx: GraphQLContext, c: ClientView | ClientFace): c is ClientView => !isFace(c) && visible(ctx, 'Client', c) === c;

/** Whether the viewer may read (and, with `write`, change) a user's OpenID Connect claim (Core §5.4 scopes). */
export function claimAllowed(ctx: GraphQLContext, claim: string): boolean {
  const v = viewerOf(ctx);
  return v.isAdmin || v.via === 'session' || v.scopes.some((s) => claimsOfScope(s).includes(claim));
}

/** Refuses a change to a claim the viewer's token does not release (the scope it lacks is named). */
export function requireClaims(ctx: GraphQLContext, claims: readonly string[]): void {
  const refused = claims.find((c) => !claimAllowed(ctx, c));
  if (refused) throw forbidden(`This token may not change ${refused}: it lacks the scope that releases it (OpenID Connect Core §5.4).`);
}
