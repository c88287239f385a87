// Who may give a client which capability: the one table every registration path goes through (the pages, GraphQL,
// the CLI, the seeder and, later, dynamic registration). docs/security.md prints the same table for people.
import type { FieldErrors } from './client-registration.ts';
import type { ClientInput, ClientRecord } from './store.ts';
import { PRIVILEGED_GRANT_TYPES } from './grant-types.ts';
import { isPrivilegedScope } from './scope.ts';
import { isPrivilegedResponseType } from './response-types.ts';

/**
 * Who is registering or changing a client. The CLI and the seeder act as the operator, an administrator.
 * `dynamic`: a caller of the RFC 7591 registration endpoint, who is nobody we know.
 */
export interface RegistrationActor {
  isAdmin: boolean; dynamic?: boolean;
  /** The account registering, whose budget its sector document fetches spend (client-registration/oidc.ts). */
  id?: number;
}

/**
 * RFC 7591 / RFC 7592 callers: never an administrator, and judged without the client's current capabilities, so
 * not even what an administrator later gave the client can be kept through a registration-endpoint update.
 */
export const DYNAMIC: RegistrationActor = { isAdmin: false, dynamic: true };

/*
 * Not privileges (issue 22): `jwks` and `request_object_signing_alg` (RFC 9101 request objects) only let a client
 * prove its own requests, and `require_pushed_authorization_requests` (RFC 9126 §5, today a server-wide setting
 * only) would only restrict it: any owner, and a dynamic registrant, may set them.
 */

/** The CLI and the seeder: whoever runs them holds the server's keys, so they act as an administrator. */
export const OPERATOR: RegistrationActor = { isAdmin: true };

/**
 * Grant types that hand the client more than the consent page would (`password` lets it collect users' passwords,
 * `implicit` puts tokens in URLs, RFC 9700 §2.1.2): each grant module declares `privileged`, the registry lists them.
 */
export { PRIVILEGED_GRANT_TYPES };
/** Lives beside the privileged scopes (scope.ts) so the password grant can use it without importing this table. */
export { scopeUserMayNotHold } from './scope.ts';

/**
 * The privileged capabilities of a client. Each is settable only by an administrator; another user can keep or
 * drop what an administrator gave their client, never add to it.
 */
const CAPABILITIES = [
  { field: 'skipAuthorization', has: (c: Pick<ClientInput, 'skipAuthorization'>) => (c.skipAuthorization ? ['skip consent'] : []) },
  { field: 'allowedScopes', has: (c: Pick<ClientInput, 'allowedScopes'>) => c.allowedScopes.filter(isPrivilegedScope) },
  { field: 'grantTypes', has: (c: Pick<ClientInput, 'grantTypes'>) => c.grantTypes.filter((g) => PRIVILEGED_GRANT_TYPES.has(g)) },
  // Implicit and hybrid response types put tokens in the front channel (RFC 9700 §2.1.2): response-types.ts says which.
  { field: 'responseTypes', has: (c: Pick<ClientInput, 'responseTypes'>) => c.responseTypes.filter(isPrivilegedResponseType) },
  // Issue 21: a client's own token and code lifetimes (a long-lived token is a long-lived theft). Dropping one back
  // to the server's default is not adding anything.
  { field: 'accessTokenLifetime', has: (c: Pick<ClientInput, 'accessTokenLifetime'>) => (c.accessTokenLifetime == null ? [] : [`access token lifetime ${c.accessTokenLifetime} s`]) },
  { field: 'refreshTokenLifetime', has: (c: Pick<ClientInput, 'refreshTokenLifetime'>) => (c.refreshTokenLifetime == null ? [] : [`refresh token lifetime ${c.refreshTokenLifetime} s`]) },
  { field: 'authorizationCodeLifetime', has: (c: Pick<ClientInput, 'authorizationCodeLifetime'>) => (c.authorizationCodeLifetime == null ? [] : [`authorization code lifetime ${c.authorizationCodeLifetime} s`]) },
] as const;

/**
 * Refuses, field by field, any privileged capability a non-administrator would add to a client (`current` is the
 * client before an update; undefined on registration). Making a confidential client public adds back everything it holds.
 */
export function privilegeErrors(value: ClientInput, actor: RegistrationActor, current?: ClientRecord): FieldErrors {
  const errors: FieldErrors = {};
  if (actor.isAdmin) return errors;
  // What an administrator gave a confidential client was given to a client that proves who it is: made public, anyone
  // holding its client_id would use it, so it is kept only while the client stays confidential (attacker read 13B, F4).
  const keeps = current !== undefined && !actor.dynamic && (current.clientType === 'public' || value.clientType === 'confidential');
  for (const cap of CAPABILITIES) {
    const before = keeps ? cap.has(current) : [];
    const added = cap.has(value).filter((x) => !before.includes(x));
    if (added.length) errors[cap.field] = `Only administrators can allow ${added.map((a) => `"${a}"`).join(', ')}.`;
  }
  return errors;
}

/**
 * Consent may be skipped (a client marked to skip it, RFC 6749 §10.2 leaves that to the server) only when the
 * request asks for nothing privileged, or an administrator owns the client: an admin following a link must
 * never hand an ordinary user's client the admin scope without a page that says so.
 */
export async function maySkipConsent(scopes: readonly string[], ownerIsAdmin: () => Promise<boolean>): Promise<boolean> {
  return !scopes.some(isPrivilegedScope) || ownerIsAdmin();
}

/**
 * RFC 8628 §5.4 (remote phishing): the person typing a user code cannot see who holds the device, and anyone can
 * start a device flow and send them its code. So the verification page grants no privileged scope, not even to an
 * administrator: it names them and offers only Deny. Privileged access goes through the authorization endpoint,
 * whose answer reaches only the client's registered redirect URI. Used by: http/routes/device.ts.
 */
export const deviceRefusedScopes = (scopes: readonly string[]): string[] => scopes.filter(isPrivilegedScope);

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

/**
 * An administrator trusted a client to skip consent as it was then configured. When someone else changes where its
 * codes and tokens go (redirect URIs, origins), that trust ends: the consent page comes back until an administrator
 * allows skipping it again (found by the third attack round: an owner pointed a trusted client at themselves).
 */
export function withTrustReviewed(value: ClientInput, actor: RegistrationActor, current?: ClientRecord): ClientInput {
  if (actor.isAdmin || !current?.skipAuthorization || !value.skipAuthorization) return value;
  const unchanged = sameSet(value.redirectUris, current.redirectUris) && sameSet(value.allowedOrigins, current.allowedOrigins);
  return unchanged ? value : { ...value, skipAuthorization: false };
}

/**
 * RFC 8693 token exchange lets a client obtain tokens for users who never consented to it: an administrator's
 * decision alone, per client, and never for a client that came through dynamic registration or a metadata document
 * (whoever registered it is nobody we know), nor a public one. Null when the actor may set the policy, else why not.
 */
export function tokenExchangePolicyRefusal(actor: RegistrationActor, client: Pick<ClientRecord, 'registered' | 'clientType'>): 'not_admin' | 'not_owner_registered' | 'public_client' | null {
  if (!actor.isAdmin || actor.dynamic) return 'not_admin';
  if (client.registered !== 'owner') return 'not_owner_registered';
  // Anyone can present a public client's id: an exchange must be asked by a client that proves who it is.
  if (client.clientType !== 'confidential') return 'public_client';
  return null;
}

/** Grants where the client acts for itself, with no user to consent (RFC 6749 §4.4). */
const CLIENT_ACTS_FOR_ITSELF: ReadonlySet<string> = new Set(['client_credentials']);
export const actsForItself = (grantType: string): boolean => CLIENT_ACTS_FOR_ITSELF.has(grantType);

/**
 * A token the client gets for itself, for an RFC 8707 resource server, with the scopes that server takes and no user
 * to consent. Anyone can register a client dynamically or by a metadata document, so such a client may not name a
 * resource with such a grant (resource servers are an administrator's; none opts in to strangers): invalid_target.
 * Without a resource the token reaches only Gatehouse's own APIs, as before resource indicators. Checked by the
 * token endpoint before the grant runs (a grant module cannot import this module: grant-types.ts imports the grants).
 */
export const mayNameResourceWithGrant = (client: Pick<ClientRecord, 'registered'>, grantType: string): boolean =>
  client.registered === 'owner' || !actsForItself(grantType);
