// What people read and what the client may reach: its name, scopes, consent, and the browser origins it calls from.
import { echoUri } from '../redirect-uri.ts';
import { isPrivilegedScope, isValidScopeToken } from '../scope.ts';
import { DECEPTIVE_TEXT } from '../hostile-text.ts';
import { toBool, toList } from './fields.ts';
import type { Check } from './types.ts';
import { MAX_URI_LIST_CHARS, overCharBound } from './redirect-uris.ts';

/** Browser origins one client may call from (a scalar list GraphQL answers: bounded, attacker read 13B, F3). */
export const MAX_ALLOWED_ORIGINS = 100;

export function validName({ raw, errors }: Check): string {
  const name = typeof raw.name === 'string' ? raw.name.trim() : '';
  if (!name) errors.name = 'Give the application a name.';
  else if (name.length > 255) errors.name = 'Use at most 255 characters.';
  // Users read this name on the consent page: no control or bidi override character may make it read as another.
  else if (DECEPTIVE_TEXT.test(name)) errors.name = 'Use no control, invisible or text-direction characters.';
  return name;
}

export function validScopes({ raw, policy, errors }: Check): string[] {
  const scopeList = toList(raw.allowedScopes);
  let allowedScopes: string[] = [];
  if (!scopeList) errors.allowedScopes = 'Scopes must be text.';
  else {
    allowedScopes = scopeList.length ? [...new Set(scopeList)] : [...policy.knownScopes].filter((s) => !isPrivilegedScope(s));
    const bad = allowedScopes.find((s) => !isValidScopeToken(s) || !policy.knownScopes.includes(s));
    if (bad) errors.allowedScopes = `Unknown scope "${bad}". Known scopes: ${policy.knownScopes.join(', ')}.`;
  }
  return allowedScopes;
}

export function validSkipAuthorization({ raw, context, errors }: Check): boolean | null {
  // A user's form has no such field: leaving it out keeps what an administrator set.
  const skipAuthorization = raw.skipAuthorization === undefined && !context.actor.isAdmin ? (context.current?.skipAuthorization ?? false) : toBool(raw.skipAuthorization);
  if (skipAuthorization === null) errors.skipAuthorization = 'Must be true or false.';
  return skipAuthorization;
}

export function validOrigins({ raw, errors }: Check): string[] {
  const originList = toList(raw.allowedOrigins);
  const allowedOrigins: string[] = [];
  if (!originList) errors.allowedOrigins = 'Origins must be text.';
  else if (originList.length > MAX_ALLOWED_ORIGINS) errors.allowedOrigins = `Allow at most ${MAX_ALLOWED_ORIGINS} origins.`;
  // Characters too, as every list of URIs (attacker read 14, F2: 100 origins of ~900 characters answered 44 MB).
  else if (overCharBound(originList)) errors.allowedOrigins = `Allow at most ${MAX_URI_LIST_CHARS} characters of origins.`;
  else {
    for (const o of originList) {
      let url: URL | undefined;
      try { url = new URL(o); } catch { /* reported below */ }
      if (!url || !['http:', 'https:'].includes(url.protocol) || url.origin !== o.replace(/\/$/, '')) {
        errors.allowedOrigins = `"${echoUri(o)}" is not an origin (scheme://host[:port], no path).`;
        break;
      }
      if (!allowedOrigins.includes(url.origin)) allowedOrigins.push(url.origin);
    }
  }
  return allowedOrigins;
}
