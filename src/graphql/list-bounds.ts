import { MAX_ALLOWED_ORIGINS, MAX_REDIRECT_URIS, MAX_REQUEST_URIS } from '../oauth2/client-registration.ts';
import { GRANT_TYPES } from '../oauth2/grant-types.ts';
import { RESPONSE_TYPES } from '../oauth2/response-types.ts';
import { MAX_SCOPES } from '../oauth2/scope.ts';
import { SIGNING_ALGS } from '../oauth2/store.ts';
import { MAX_POLICY_ENTRIES } from '../oauth2/token-exchange/policy.ts';

/**
 * How many items each scalar list field of the SDL can hold, by field name, each bound enforced where the list is
 * written (client registration's one validation, the token exchange policy, config.scopes) or fixed by a registry.
 * The cost rule counts such a field as this many values: counted as one, 600 aliases of a client's redirectUris
 * answered 59 MB (attacker read 13B, F3). test/security/graphql-lists.test.ts checks every scalar list is named here.
 */
export const SCALAR_LISTS: Readonly<Record<string, number>> = {
  redirectUris: MAX_REDIRECT_URIS,
  postLogoutRedirectUris: MAX_REDIRECT_URIS,
  allowedOrigins: MAX_ALLOWED_ORIGINS,
  requestUris: MAX_REQUEST_URIS,
  // Sets of the scopes the server knows: a client's, a grant's, a token's, a resource server's.
  allowedScopes: MAX_SCOPES,
  scopes: MAX_SCOPES,
  grantTypes: GRANT_TYPES.length,
  responseTypes: RESPONSE_TYPES.length,
  audiences: MAX_POLICY_ENTRIES,
  subjectAudiences: MAX_POLICY_ENTRIES,
  actorClients: MAX_POLICY_ENTRIES,
  // One key of each algorithm.
  currentKids: SIGNING_ALGS.length,
  nextKids: SIGNING_ALGS.length,
};
