import { authorizationServerMetadata, JWKS_PATH } from '../oauth2/metadata.ts';
import { CLAIMS_SUPPORTED } from './claims.ts';
import { SIGNING_ALGS } from './keys.ts';
import { SUBJECT_TYPES } from '../oauth2/store.ts';
import { PROMPT_VALUES } from './prompt.ts';
import { DISPLAY_VALUES } from './request-params.ts';
import { END_SESSION_PATH } from './logout.ts';
import { REQUEST_OBJECT_ALGS } from '../oauth2/client-assertion/algorithms.ts';
import { algsUnder } from '../oauth2/security-profile/index.ts';

export { JWKS_PATH };
export const USERINFO_PATH = '/o/userinfo/';

/**
 * OpenID Connect Discovery 1.0 §3: the RFC 8414 document (same registries, so the two cannot disagree) plus the
 * OpenID Provider fields. registration_endpoint only when REGISTRATION is not `off` (§3 lists it only when it
 * exists). request_uri_parameter_supported defaults to true, so it is stated.
 */
export function openidConfiguration(o: Parameters<typeof authorizationServerMetadata>[0], pages: { uiLocales: readonly string[] }) {
  return {
    ...authorizationServerMetadata(o),
    userinfo_endpoint: `${o.issuer}${USERINFO_PATH}`,
    subject_types_supported: [...SUBJECT_TYPES],
    // FAPI 2.0 §5.4.1 under fapi2 (algsUnder): never RS256.
    id_token_signing_alg_values_supported: algsUnder(o.securityProfile, SIGNING_ALGS),
    // Core §5.3.2: per client (userinfo_signed_response_alg); unset, UserInfo answers JSON.
    userinfo_signing_alg_values_supported: algsUnder(o.securityProfile, SIGNING_ALGS),
    claims_supported: [...CLAIMS_SUPPORTED],
    claim_types_supported: ['normal'],
    prompt_values_supported: [...PROMPT_VALUES],
    display_values_supported: [...DISPLAY_VALUES],
    // The languages of the login and consent pages (src/http/i18n), which ui_locales chooses among.
    ui_locales_supported: [...pages.uiLocales],
    claims_parameter_supported: true,
    // RFC 9101 / Core §6: signed request objects by value (src/oauth2/par/request-object.ts) and by reference
    // (par/request-uri.ts): only a request_uri the client registered, matched exactly (Registration §2).
    request_parameter_supported: true,
    request_uri_parameter_supported: true,
    require_request_uri_registration: true,
    request_object_signing_alg_values_supported: algsUnder(o.securityProfile, REQUEST_OBJECT_ALGS),
    // RP-Initiated Logout 1.0 §3, Back-Channel Logout 1.0 §2.1 and Front-Channel Logout 1.0 §3 (iss and sid).
    end_session_endpoint: `${o.issuer}${END_SESSION_PATH}`,
    backchannel_logout_supported: true,
    backchannel_logout_session_supported: true,
    frontchannel_logout_supported: true,
    frontchannel_logout_session_supported: true,
  };
}
