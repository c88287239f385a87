// The registry of response types (RFC 6749 §3.1.1, OAuth 2.0 Multiple Response Type Encoding Practices §3-§5,
// OpenID Connect Core §3): the one list. Discovery, the client field response_types (form, GraphQL, CLI), the
// privilege table and the authorization endpoint derive from it. What grant each part belongs to comes from the
// grant registry (grants/index.ts: the grant declaring `responseType`).
import { GRANTS } from './grants/index.ts';
import type { GrantType } from './grant-types.ts';

/** Order: the OAuth ones, then implicit, then hybrid (Core §3.2, §3.3), as discovery lists them. */
export const RESPONSE_TYPES = ['code', 'token', 'id_token', 'id_token token', 'code id_token', 'code token', 'code id_token token'] as const;
export type ResponseType = typeof RESPONSE_TYPES[number];
type Part = 'code' | 'token' | 'id_token';

/** Multiple Response Type Encoding Practices §2.1 and OAuth 2.0 Form Post Response Mode §2. */
export const RESPONSE_MODES = ['query', 'fragment', 'form_post'] as const;
export type ResponseMode = typeof RESPONSE_MODES[number];

const grantOf = (responseType: string): GrantType => GRANTS.find((g) => 'responseType' in g && g.responseType === responseType)!.grantType;
// OpenID Connect Registration §2: code needs authorization_code; token and id_token need implicit.
const PART_GRANT: Record<Part, GrantType> = { code: grantOf('code'), token: grantOf('token'), id_token: grantOf('token') };

const partsOf = (rt: string): Part[] => rt.split(' ') as Part[];

/** What a response type returns from the authorization endpoint, and what it needs. */
export interface ResponseTypeRule {
  value: ResponseType;
  code: boolean;
  token: boolean;
  idToken: boolean;
  /** The grants a client must be registered for (Registration §2). */
  grants: GrantType[];
  /** Core §3.2.2.1, §3.3.2.1: only an OpenID Connect request (scope openid) may use it. */
  openid: boolean;
  /** Anything but a bare code puts tokens in the front channel (RFC 9700 §2.1.2): an administrator allows it. */
  privileged: boolean;
  /** Multiple Response Type Encoding Practices §2.1: query for code, fragment whenever a token is returned. */
  defaultMode: 'query' | 'fragment';
}

const RULES = new Map<string, ResponseTypeRule>(RESPONSE_TYPES.map((value) => {
  const parts = partsOf(value);
  const code = parts.includes('code');
  const token = parts.includes('token');
  const idToken = parts.includes('id_token');
  const rule: ResponseTypeRule = {
    value, code, token, idToken,
    grants: [...new Set(parts.map((p) => PART_GRANT[p]))],
    openid: idToken || parts.length > 1,
    privileged: value !== 'code',
    defaultMode: value === 'code' ? 'query' : 'fragment',
  };
  return [[...parts].sort().join(' '), rule];
}));

/** RFC 6749 §3.1.1: the values are space-delimited and their order does not matter. Undefined when unknown. */
export function responseTypeRule(value: string): ResponseTypeRule | undefined {
  return RULES.get(value.split(' ').filter(Boolean).sort().join(' '));
}

/** The response types a client's grants give it when it registered none: those the grants declare (code, token). */
export function grantResponseTypes(grantTypes: readonly GrantType[]): ResponseType[] {
  return GRANTS.flatMap((g) => ('responseType' in g && grantTypes.includes(g.grantType) ? [g.responseType] : []));
}

export const isPrivilegedResponseType = (rt: string): boolean => responseTypeRule(rt)?.privileged ?? false;
