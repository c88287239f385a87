// Where answers go: redirect URIs, post-logout redirect URIs, and the application type that decides which are allowed.
import { REDIRECT_GRANT_TYPES } from '../grant-types.ts';
import { echoUri, parseRedirectUriList, validateRedirectUriForRegistration } from '../redirect-uri.ts';
import { APPLICATION_TYPES, type ApplicationType, type GrantType } from '../store.ts';
import { choice } from './fields.ts';
import type { Check } from './types.ts';

/**
 * Redirect URIs (and, apart, post-logout redirect URIs) one client may register: real clients register a handful
 * (GitLab's dynamic registration refuses more than 100 too). Unbounded, a signed-in user's clients each held ~990
 * (the 100 KB body), which an aliased GraphQL query multiplied into a 59 MB answer (attacker read 13B, F3).
 */
export const MAX_REDIRECT_URIS = 100;
/**
 * Characters of one such list, all URIs together (100 of 200 on average): counted by items alone, 100 URIs of ~960
 * characters still let 490 aliases answer 47 MB, where the admin API's limits assume values of a name's size.
 */
export const MAX_URI_LIST_CHARS = 20_000;

/** Whether a list of URIs (redirect, post-logout, origins, request_uris) holds more than MAX_URI_LIST_CHARS characters. */
export const overCharBound = (list: readonly string[]): boolean => list.reduce((n, uri) => n + uri.length, 0) > MAX_URI_LIST_CHARS;

export function validRedirectUris({ raw, policy, errors }: Check, grantTypes: readonly GrantType[]): { redirectUris: string[]; postLogoutRedirectUris: string[] } {
  const uris = (field: 'redirectUris' | 'postLogoutRedirectUris'): string[] => {
    const value = raw[field];
    const text = typeof value === 'string' ? value : Array.isArray(value) ? value.join('\n') : value == null ? '' : null;
    if (text === null) { errors[field] = 'URIs must be text.'; return []; }
    const list = parseRedirectUriList(text);
    if (list.length > MAX_REDIRECT_URIS) { errors[field] = `Register at most ${MAX_REDIRECT_URIS} URIs.`; return []; }
    if (overCharBound(list)) { errors[field] = `Register at most ${MAX_URI_LIST_CHARS} characters of URIs.`; return []; }
    for (const uri of list) {
      const problem = validateRedirectUriForRegistration(uri, { allowInsecureTransport: policy.allowInsecureTransport });
      if (problem) { errors[field] = `${echoUri(uri)}: ${problem}`; break; }
    }
    return list;
  };
  const redirectUris = uris('redirectUris');
  // RP-Initiated Logout 1.0 §3.1: the same rules as redirect URIs, and an exact match when used.
  const postLogoutRedirectUris = uris('postLogoutRedirectUris');
  if (!errors.redirectUris) {
    // RFC 6749 §3.1.2.2: clients using redirection-based flows must register their redirect URIs.
    if (!errors.redirectUris && redirectUris.length === 0 && grantTypes.some((g) => REDIRECT_GRANT_TYPES.has(g))) {
      errors.redirectUris = 'Authorization-code and implicit clients need at least one redirect URI.';
    }
  }
  return { redirectUris, postLogoutRedirectUris };
}

/** Registration §2 application_type; left out keeps the current one, a new client is `web` (the default). */
export function validApplicationType({ raw, policy, context, errors }: Check, redirectUris: readonly string[], grantTypes: readonly GrantType[], clientType: unknown): ApplicationType | null {
  const applicationType = choice(raw.applicationType, APPLICATION_TYPES, context.current?.applicationType ?? 'web');
  if (!applicationType) errors.applicationType = `Choose ${APPLICATION_TYPES.join(' or ')}.`;
  else if (!errors.redirectUris && !errors.grantTypes) {
    const problem = applicationTypeProblem(applicationType, redirectUris, grantTypes.includes('implicit'), policy.allowInsecureTransport)
      ?? privateUseSchemeProblem(redirectUris, clientType === 'public', applicationType === 'native', context.actor.dynamic === true);
    if (problem) errors.redirectUris = problem;
  }
  return applicationType;
}

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * OpenID Connect Registration §2 application_type. `native`: redirect URIs are private-use schemes (RFC 8252 §7.1),
 * loopback http (§7.3; localhost accepted for compatibility, though §8.3 prefers the IP literals, which alone get
 * any-port matching) or claimed https URLs (§7.2, which Registration §2 predates). `web` with the implicit grant:
 * no private-use scheme, and (unless insecure transport is allowed, for development) https only and never localhost
 * (Registration §2); other web clients keep the general rules
 * (validateRedirectUriForRegistration), which the forms, GraphQL and the CLI have always applied.
 */
function applicationTypeProblem(type: ApplicationType, redirectUris: readonly string[], implicit: boolean, allowInsecureTransport: boolean): string | null {
  for (const uri of redirectUris) {
    const url = new URL(uri);
    const web = url.protocol === 'https:' || url.protocol === 'http:';
    if (type === 'native') {
      if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname)) return `${echoUri(uri)}: a native client's http redirect URI must be on a loopback address (RFC 8252 §7.3).`;
    } else if (implicit) {
      if (!web) return `${echoUri(uri)}: a web client using the implicit grant must use https (Registration §2).`;
      // Local development (insecure transport allowed) keeps loopback and http, as for every other https rule.
      if (allowInsecureTransport) continue;
      if (LOOPBACK.has(url.hostname)) return `${echoUri(uri)}: a web client using the implicit grant must not use localhost (Registration §2).`;
      if (url.protocol === 'http:') return `${echoUri(uri)}: a web client using the implicit grant must use https (Registration §2).`;
    }
  }
  return null;
}

/**
 * RFC 8252 §7.1 and §8.4: a private-use URI scheme (com.example.app:/cb) belongs to a native app, and any app on the
 * device can claim it, so a client redirecting there cannot keep a secret: it must be public. A confidential client
 * with such a redirect would hand its codes to whichever app claims the scheme. Registration through RFC 7591 or a
 * metadata document must also say application_type native (Registration §2); the forms, GraphQL and the CLI have
 * no application_type field a person sees, so there a public client with such a URI keeps working (docs/security.md).
 */
function privateUseSchemeProblem(redirectUris: readonly string[], isPublic: boolean, isNative: boolean, dynamic: boolean): string | null {
  const uri = redirectUris.find((u) => !/^https?:/i.test(u));
  if (uri === undefined) return null;
  if (!isPublic) return `${echoUri(uri)}: a private-use scheme is only for native apps, which are public clients (RFC 8252 §8.4); use an https redirect URI.`;
  if (dynamic && !isNative) return `${echoUri(uri)}: a private-use scheme is only for application_type native (RFC 8252 §7.1).`;
  return null;
}
