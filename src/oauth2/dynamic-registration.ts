// OpenID Connect Dynamic Client Registration 1.0, RFC 7591 (registration) and RFC 7592 (read, update, delete).
// The metadata's OIDC/RFC names are mapped onto the one client input every path validates (client-registration.ts),
// with the DYNAMIC actor: nothing an administrator alone may give is reachable from here (privileges.ts).
import { validateClientInput, type FieldErrors, type RawClientInput, type RegistrationPolicy } from './client-registration.ts';
import { effectiveGrantTypes } from './grant-types.ts';
import { DYNAMIC } from './privileges.ts';
import { idTokenAlgDefault } from './security-profile/index.ts';
import { InvalidClientMetadata, InvalidRedirectUriMetadata, InvalidRequest, InvalidSoftwareStatement, type OAuthError } from './errors.ts';
import { APPLICATION_TYPES, type ClientInput, type ClientRecord, type RegistrationStore } from './store.ts';
import { generateToken, hashToken } from './tokens.ts';

/**
 * Metadata Gatehouse understands but does not support: refused rather than ignored, because a client that sends
 * them expects them to be honoured (a key for private_key_jwt, encrypted or signed request objects).
 */
const UNSUPPORTED = ['request_object_encryption_alg', 'id_token_encrypted_response_alg',
  'userinfo_encrypted_response_alg', 'initiate_login_uri', 'tls_client_auth_subject_dn'] as const;

type Json = Record<string, unknown>;

const stringList = (v: unknown, field: string): string[] | undefined => {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new InvalidClientMetadata(`${field} must be an array of strings.`);
  return v as string[];
};
const text = (v: unknown, field: string): string | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new InvalidClientMetadata(`${field} must be a string.`);
  return v;
};
const flag = (v: unknown, field: string): boolean | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new InvalidClientMetadata(`${field} must be true or false.`);
  return v;
};

/** Client metadata (RFC 7591 §2, Registration §2) as the registration input; throws the RFC 7591 §3.2.2 errors. */
export function metadataToInput(body: unknown): RawClientInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new InvalidClientMetadata('The request body must be a JSON object.');
  const m = body as Json;
  // RFC 7591 §3.1.1: software statements are not accepted here.
  if (m.software_statement !== undefined) throw new InvalidSoftwareStatement('Software statements are not accepted.');
  const unsupported = UNSUPPORTED.find((f) => m[f] !== undefined);
  if (unsupported) throw new InvalidClientMetadata(`${unsupported} is not supported.`);
  const applicationType = text(m.application_type, 'application_type');
  if (applicationType !== undefined && !(APPLICATION_TYPES as readonly string[]).includes(applicationType)) throw new InvalidClientMetadata('application_type must be web or native.');
  const redirectUris = stringList(m.redirect_uris, 'redirect_uris');
  // A JSON array names each URI; one holding whitespace would be read as several by the list parser.
  if (redirectUris?.some((u) => /\s/.test(u) || !u)) throw new InvalidRedirectUriMetadata('A redirect URI must not be empty or contain whitespace.');
  const method = text(m.token_endpoint_auth_method, 'token_endpoint_auth_method') ?? 'client_secret_basic'; // RFC 7591 §2 default
  // RFC 7591 §2: refresh_token may be listed; here it follows from authorization_code (grant-types.ts).
  const grantTypes = (stringList(m.grant_types, 'grant_types') ?? ['authorization_code']).filter((g) => g !== 'refresh_token');
  const scope = text(m.scope, 'scope');
  return {
    name: text(m.client_name, 'client_name') ?? 'Unnamed application',
    // Registration §2: web unless the client says native; client-registration.ts applies each one's redirect rules.
    applicationType: applicationType ?? 'web',
    clientType: method === 'none' ? 'public' : 'confidential',
    tokenEndpointAuthMethod: method,
    grantTypes: grantTypes.length ? grantTypes : ['authorization_code'],
    // RFC 7591 §2 / Registration §2: response_types defaults to code, which needs authorization_code; a client whose
    // grants have no such response type (client_credentials, device code) gets what its grants declare, often none.
    responseTypes: stringList(m.response_types, 'response_types') ?? (grantTypes.length === 0 || grantTypes.includes('authorization_code') ? ['code'] : []),
    redirectUris: redirectUris ?? [],
    allowedScopes: scope === undefined ? [] : scope.split(' ').filter(Boolean),
    // Never settable here, and never kept: skipping consent is an administrator's decision (privileges.ts).
    skipAuthorization: false,
    allowedOrigins: [],
    oauth1Enabled: false,
    postLogoutRedirectUris: stringList(m.post_logout_redirect_uris, 'post_logout_redirect_uris') ?? [],
    backchannelLogoutUri: text(m.backchannel_logout_uri, 'backchannel_logout_uri') ?? null,
    backchannelLogoutSessionRequired: flag(m.backchannel_logout_session_required, 'backchannel_logout_session_required') ?? false,
    frontchannelLogoutUri: text(m.frontchannel_logout_uri, 'frontchannel_logout_uri') ?? null,
    frontchannelLogoutSessionRequired: flag(m.frontchannel_logout_session_required, 'frontchannel_logout_session_required') ?? false,
    // RFC 9449 §5.2.
    dpopBoundAccessTokens: flag(m.dpop_bound_access_tokens, 'dpop_bound_access_tokens') ?? false,
    idTokenSignedResponseAlg: text(m.id_token_signed_response_alg, 'id_token_signed_response_alg'),
    userinfoSignedResponseAlg: text(m.userinfo_signed_response_alg, 'userinfo_signed_response_alg') ?? null,
    subjectType: text(m.subject_type, 'subject_type') ?? 'public',
    sectorIdentifierUri: text(m.sector_identifier_uri, 'sector_identifier_uri') ?? null,
    jwks: m.jwks === undefined || m.jwks === null ? null : m.jwks,
    requestObjectSigningAlg: text(m.request_object_signing_alg, 'request_object_signing_alg') ?? null,
    jwksUri: text(m.jwks_uri, 'jwks_uri') ?? null,
    tokenEndpointAuthSigningAlg: text(m.token_endpoint_auth_signing_alg, 'token_endpoint_auth_signing_alg') ?? null,
    requestUris: stringList(m.request_uris, 'request_uris') ?? [],
    accessTokenFormat: 'opaque',
  };
}

const METADATA_NAMES: Partial<Record<keyof ClientInput, string>> = {
  name: 'client_name', applicationType: 'application_type', grantTypes: 'grant_types', responseTypes: 'response_types', allowedScopes: 'scope', tokenEndpointAuthMethod: 'token_endpoint_auth_method',
  clientType: 'token_endpoint_auth_method', postLogoutRedirectUris: 'post_logout_redirect_uris', backchannelLogoutUri: 'backchannel_logout_uri',
  frontchannelLogoutUri: 'frontchannel_logout_uri', idTokenSignedResponseAlg: 'id_token_signed_response_alg', userinfoSignedResponseAlg: 'userinfo_signed_response_alg',
  subjectType: 'subject_type', sectorIdentifierUri: 'sector_identifier_uri', skipAuthorization: 'skip_authorization', jwks: 'jwks', requestObjectSigningAlg: 'request_object_signing_alg',
  dpopBoundAccessTokens: 'dpop_bound_access_tokens',
  jwksUri: 'jwks_uri', tokenEndpointAuthSigningAlg: 'token_endpoint_auth_signing_alg', requestUris: 'request_uris',
};

/** The first field error, in the RFC 7591 §3.2.2 code: redirect URIs have their own, everything else is metadata. */
function refusal(errors: FieldErrors): OAuthError {
  if (errors.redirectUris) return new InvalidRedirectUriMetadata(errors.redirectUris);
  const [field, message] = Object.entries(errors)[0] as [keyof ClientInput, string];
  return new InvalidClientMetadata(`${METADATA_NAMES[field] ?? field}: ${message}`);
}

/** Validates dynamic metadata as every other path validates clients, with the DYNAMIC actor (and, on update, the client). */
export async function validateDynamicMetadata(body: unknown, policy: RegistrationPolicy, current?: ClientRecord): Promise<ClientInput> {
  const raw = metadataToInput(body);
  // RFC 7592 §2.2: left out, the server's default (the profile's), not the current value.
  raw.idTokenSignedResponseAlg ??= idTokenAlgDefault(policy.securityProfile);
  const result = await validateClientInput(raw, policy, { actor: DYNAMIC, current });
  if (!result.ok) throw refusal(result.errors);
  return result.value;
}

/** RFC 7591 §3.2.1 / RFC 7592 §3: the client's registered metadata in the specifications' names. */
export function clientMetadata(client: ClientRecord) {
  return {
    client_id: client.clientId,
    client_id_issued_at: Math.floor(client.createdAt / 1000),
    client_name: client.name,
    application_type: client.applicationType,
    redirect_uris: client.redirectUris,
    grant_types: effectiveGrantTypes(client.grantTypes),
    response_types: client.responseTypes,
    token_endpoint_auth_method: client.tokenEndpointAuthMethod,
    scope: client.allowedScopes.join(' '),
    id_token_signed_response_alg: client.idTokenSignedResponseAlg,
    ...(client.userinfoSignedResponseAlg ? { userinfo_signed_response_alg: client.userinfoSignedResponseAlg } : {}),
    subject_type: client.subjectType,
    ...(client.sectorIdentifierUri ? { sector_identifier_uri: client.sectorIdentifierUri } : {}),
    ...(client.jwks ? { jwks: JSON.parse(client.jwks) as unknown } : {}),
    ...(client.requestObjectSigningAlg ? { request_object_signing_alg: client.requestObjectSigningAlg } : {}),
    ...(client.jwksUri ? { jwks_uri: client.jwksUri } : {}),
    ...(client.tokenEndpointAuthSigningAlg ? { token_endpoint_auth_signing_alg: client.tokenEndpointAuthSigningAlg } : {}),
    ...(client.requestUris.length ? { request_uris: client.requestUris } : {}),
    post_logout_redirect_uris: client.postLogoutRedirectUris,
    ...(client.dpopBoundAccessTokens ? { dpop_bound_access_tokens: true } : {}),
    ...(client.backchannelLogoutUri ? { backchannel_logout_uri: client.backchannelLogoutUri, backchannel_logout_session_required: client.backchannelLogoutSessionRequired } : {}),
    ...(client.frontchannelLogoutUri ? { frontchannel_logout_uri: client.frontchannelLogoutUri, frontchannel_logout_session_required: client.frontchannelLogoutSessionRequired } : {}),
  };
}

/**
 * RFC 7591 §3: an initial access token for REGISTRATION=token, for the administrator to hand to a developer. Returned
 * here once; only its SHA-256 is stored. `expiresIn` in seconds (null: no expiry).
 */
/** Shortest and longest lifetime of an initial access token (seconds): a minute, ten years. */
export const INITIAL_TOKEN_MIN_SECONDS = 60;
export const INITIAL_TOKEN_MAX_SECONDS = 10 * 365 * 86400;

/** Why an initial access token lifetime cannot be stored (1e300 is an "integer" that no timestamp column holds), or null. */
export function initialTokenLifetimeProblem(expiresIn: number | null): string | null {
  if (expiresIn === null) return null;
  if (!Number.isSafeInteger(expiresIn) || expiresIn < INITIAL_TOKEN_MIN_SECONDS || expiresIn > INITIAL_TOKEN_MAX_SECONDS) {
    return `expires_in must be a whole number of seconds from ${INITIAL_TOKEN_MIN_SECONDS} to ${INITIAL_TOKEN_MAX_SECONDS} (10 years).`;
  }
  return null;
}

export async function issueInitialAccessToken(store: Pick<RegistrationStore, 'createInitialAccessToken'>, o: { singleUse: boolean; expiresIn: number | null; createdBy: number | null; now?: number }) {
  // Checked here, where the CLI and GraphQL both come, so neither can store a lifetime the other would refuse.
  const problem = initialTokenLifetimeProblem(o.expiresIn);
  if (problem) throw new InvalidRequest(problem);
  const token = generateToken();
  const expiresAt = o.expiresIn === null ? null : (o.now ?? Date.now()) + o.expiresIn * 1000;
  const id = await store.createInitialAccessToken({ tokenHash: hashToken(token), singleUse: o.singleUse, expiresAt, createdBy: o.createdBy });
  return { id, token, expiresAt, singleUse: o.singleUse };
}
