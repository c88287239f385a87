// One validation for client registration: the HTML forms, the CLI, GraphQL, dynamic registration and metadata
// documents all call this, so a client that one of them accepts, every other accepts too. Each metadata group is
// checked by its own module, in a fixed order (a later rule may replace an earlier message on the same field).
import { privilegeErrors, withTrustReviewed } from '../privileges.ts';
import { profileFieldErrors } from '../security-profile/index.ts';
import type { AccessTokenFormat, ApplicationType, ClientInput, ClientType, IdTokenSigningAlg, ResponseType, SubjectType, TokenEndpointAuthMethod } from '../store.ts';
import { validAuthMethod, validKeys, validRequestUris } from './auth-and-keys.ts';
import { validClientType, validGrantTypes, validResponseTypes } from './grants.ts';
import { validLogout } from './logout.ts';
import { validName, validOrigins, validScopes, validSkipAuthorization } from './names-scopes-origins.ts';
import { checkOAuth1Signable, validOAuth1 } from './oauth1.ts';
import { validSigningAlgs, validSubject } from './oidc.ts';
import { validApplicationType, validRedirectUris } from './redirect-uris.ts';
import { validAccessTokenFormat, validDpop, validLifetimes } from './tokens.ts';
import type { Check, FieldErrors, RawClientInput, RegistrationContext, RegistrationPolicy, ValidationResult } from './types.ts';

export async function validateClientInput(raw: RawClientInput, policy: RegistrationPolicy, context: RegistrationContext): Promise<ValidationResult> {
  const errors: FieldErrors = {};
  const c: Check = { raw, policy, context, errors };

  const name = validName(c);
  const clientType = validClientType(c);
  const grantTypes = validGrantTypes(c, clientType);
  const { redirectUris, postLogoutRedirectUris } = validRedirectUris(c, grantTypes);
  const allowedScopes = validScopes(c);
  const skipAuthorization = validSkipAuthorization(c);
  const allowedOrigins = validOrigins(c);
  const method = validAuthMethod(c, clientType);
  const oauth1 = validOAuth1(c);
  const logout = validLogout(c, redirectUris);
  const dpopBoundAccessTokens = validDpop(c);
  checkOAuth1Signable(c, oauth1, clientType);
  const accessTokenFormat = validAccessTokenFormat(c);
  const { idTokenSignedResponseAlg, userinfoSignedResponseAlg } = validSigningAlgs(c);
  const { subjectType, sectorIdentifierUri } = await validSubject(c, redirectUris);
  const keys = validKeys(c, method);
  const requestUris = validRequestUris(c);
  const lifetimes = validLifetimes(c);
  const responseTypes = validResponseTypes(c, grantTypes);
  const applicationType = validApplicationType(c, redirectUris, grantTypes, clientType);

  // RFC 9449 §5.2: a client whose access tokens must be DPoP-bound cannot take one from the authorization endpoint,
  // where no proof can be made (implicit and hybrid response types with token).
  if (dpopBoundAccessTokens && Array.isArray(responseTypes) && responseTypes.some((r) => r.split(' ').includes('token'))) errors.dpopBoundAccessTokens = 'Access tokens bound with DPoP cannot be issued from the authorization endpoint: leave out response types with token.';
  if (Object.keys(errors).length) return { ok: false, errors };
  const value: ClientInput = {
    name,
    applicationType: applicationType as ApplicationType,
    clientType: clientType as ClientType,
    grantTypes,
    redirectUris,
    allowedScopes,
    skipAuthorization: skipAuthorization ?? false,
    allowedOrigins,
    tokenEndpointAuthMethod: method as TokenEndpointAuthMethod,
    oauth1Enabled: oauth1.oauth1Enabled ?? false,
    rsaPublicKey: oauth1.rsaPublicKey,
    postLogoutRedirectUris,
    backchannelLogoutUri: logout.backchannelLogoutUri,
    backchannelLogoutSessionRequired: logout.backchannelLogoutSessionRequired ?? false,
    frontchannelLogoutUri: logout.frontchannelLogoutUri,
    frontchannelLogoutSessionRequired: logout.frontchannelLogoutSessionRequired ?? false,
    dpopBoundAccessTokens: dpopBoundAccessTokens ?? false,
    accessTokenFormat: accessTokenFormat as AccessTokenFormat,
    idTokenSignedResponseAlg: idTokenSignedResponseAlg as IdTokenSigningAlg,
    responseTypes: responseTypes as ResponseType[],
    userinfoSignedResponseAlg,
    subjectType: subjectType as SubjectType,
    sectorIdentifierUri: sectorIdentifierUri ?? null,
    jwks: keys.jwks ?? null,
    requestObjectSigningAlg: keys.requestObjectSigningAlg ?? null,
    ...lifetimes,
    jwksUri: keys.jwksUri ?? null,
    tokenEndpointAuthSigningAlg: keys.tokenEndpointAuthSigningAlg ?? null,
    requestUris,
  };
  const profiled = profileFieldErrors(policy.securityProfile, value);
  if (Object.keys(profiled).length) return { ok: false, errors: profiled };
  const refused = privilegeErrors(value, context.actor, context.current);
  return Object.keys(refused).length ? { ok: false, errors: refused } : { ok: true, value: withTrustReviewed(value, context.actor, context.current) };
}
