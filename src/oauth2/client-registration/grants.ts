// Client type, grant types and response types: what the client may ask for.
import { REGISTRABLE_GRANT_TYPES, normalizeGrantType } from '../grant-types.ts';
import { grantResponseTypes, responseTypeRule } from '../response-types.ts';
import type { ClientRecord, GrantType, ResponseType } from '../store.ts';
import { toList } from './fields.ts';
import type { Check } from './types.ts';

export function validClientType({ raw, errors }: Check): unknown {
  const clientType = raw.clientType === undefined || raw.clientType === '' ? 'confidential' : raw.clientType;
  if (clientType !== 'confidential' && clientType !== 'public') errors.clientType = 'Choose confidential or public.';
  return clientType;
}

export function validGrantTypes({ raw, errors }: Check, clientType: unknown): GrantType[] {
  const grantList = toList(raw.grantTypes);
  const grantTypes: GrantType[] = [];
  if (!grantList) errors.grantTypes = 'Choose grant types from the list.';
  else {
    for (const g of grantList) {
      const n = normalizeGrantType(g);
      // refresh_token follows from other grants; token exchange from an administrator's policy (token-exchange/policy.ts).
      if (!n || !REGISTRABLE_GRANT_TYPES.includes(n)) { errors.grantTypes = `Unknown grant type "${g}".`; break; }
      if (!grantTypes.includes(n)) grantTypes.push(n);
    }
    if (!errors.grantTypes && grantTypes.length === 0) errors.grantTypes = 'Choose at least one grant type.';
  }
  // client_credentials acts for the client itself, so only a client that can keep a secret may use it (RFC 6749 §4.4).
  if (clientType === 'public' && grantTypes.includes('client_credentials')) errors.grantTypes = 'Public clients cannot use client credentials.';
  return grantTypes;
}

/**
 * OpenID Connect Registration §2 response_types. Left out: a new client gets those its grants declare (code, token);
 * an update keeps the current list where the grants still allow it, plus those of grants it adds. Each needs its grants (Registration §2); an
 * error is returned as text.
 */
function responseTypesOrProblem(value: unknown, grantTypes: readonly GrantType[], current?: ClientRecord): ResponseType[] | string {
  // A response type holds spaces (code id_token): values are a list's items, or a text's comma-separated parts.
  const list = value == null ? [] : typeof value === 'string' ? value.split(',') : Array.isArray(value) && value.every((v) => typeof v === 'string') ? value as string[] : null;
  if (!list) return 'Choose response types from the list.';
  const fits = (rt: ResponseType) => responseTypeRule(rt)!.grants.every((g) => grantTypes.includes(g));
  if (list.every((x) => !x.trim())) {
    if (!current) return grantResponseTypes(grantTypes);
    // Kept where the grants still allow them; a grant added now brings its own response type (implicit: token).
    const added = grantResponseTypes(grantTypes.filter((g) => !current.grantTypes.includes(g)));
    return [...new Set([...current.responseTypes.filter(fits), ...added])];
  }
  const out: ResponseType[] = [];
  for (const v of list.map((x) => x.trim()).filter(Boolean)) {
    const rule = responseTypeRule(v);
    if (!rule) return `Unknown response type "${v}".`;
    if (!fits(rule.value)) return `The response type "${rule.value}" needs the ${rule.grants.join(' and ')} grant types.`;
    if (!out.includes(rule.value)) out.push(rule.value);
  }
  return out;
}

export function validResponseTypes({ raw, context, errors }: Check, grantTypes: readonly GrantType[]): ResponseType[] | string {
  const responseTypes = responseTypesOrProblem(raw.responseTypes, grantTypes, context.current);
  if (typeof responseTypes === 'string') errors.responseTypes = responseTypes;
  return responseTypes;
}
