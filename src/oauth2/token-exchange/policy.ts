// RFC 8693 token exchange: who may exchange what. Off for every client; an administrator turns it on per client
// (privileges.ts tokenExchangePolicyRefusal, the GraphQL mutation setTokenExchangePolicy). docs/security.md.
import { canonicalResource } from '../resources.ts';

/** A client's exchange policy; null (the default) means the client may not exchange tokens at all. */
export interface TokenExchangePolicy {
  /** The resources (RFC 8707 identifiers; the issuer for Gatehouse's own APIs) an exchanged token may be for. */
  audiences: string[];
  /**
   * The resource servers this client is: a subject token issued to ANOTHER client is accepted only when its audience
   * names one of these (a resource server exchanging a token it received). The client's own tokens are always accepted.
   */
  subjectAudiences: string[];
  /** No actor_token: a new token for the subject, indistinguishable from one issued to this client for them. */
  impersonation: boolean;
  /** With actor_token: the token carries `act` (RFC 8693 §4.1). */
  delegation: boolean;
  /** client_ids whose access tokens may be the actor_token besides this client's own. */
  actorClients: string[];
}

export const MAX_POLICY_ENTRIES = 20;

const list = (v: unknown): string[] | null => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? [...new Set(v as string[])] : null);

/**
 * An administrator's input checked field by field. `known` says whether a resource identifier is registered (or
 * the issuer); the issuer may not be a subject audience: a token for Gatehouse itself is never handed to a third party.
 */
export function validateTokenExchangePolicy(raw: Record<string, unknown>, o: { known: (identifier: string) => boolean; issuer: string }): { value?: TokenExchangePolicy; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const resources = (field: 'audiences' | 'subjectAudiences'): string[] => {
    const values = list(raw[field] ?? []);
    if (!values || values.length > MAX_POLICY_ENTRIES) { errors[field] = `A list of at most ${MAX_POLICY_ENTRIES} resource identifiers.`; return []; }
    const out: string[] = [];
    for (const v of values) {
      const c = canonicalResource(v.trim());
      if (c === null || !o.known(c)) { errors[field] = `"${v.slice(0, 60)}" is not a registered resource server (or the issuer).`; return []; }
      if (field === 'subjectAudiences' && c === canonicalResource(o.issuer)) { errors[field] = 'Tokens for Gatehouse\'s own APIs are never exchanged by another client.'; return []; }
      if (!out.includes(c)) out.push(c);
    }
    return out;
  };
  const audiences = resources('audiences');
  const subjectAudiences = resources('subjectAudiences');
  const actorClients = list(raw.actorClients ?? []);
  if (!actorClients || actorClients.length > MAX_POLICY_ENTRIES || actorClients.some((c) => c === '' || c.length > 255)) errors.actorClients = `A list of at most ${MAX_POLICY_ENTRIES} client_ids.`;
  const flag = (field: 'impersonation' | 'delegation') => {
    const v = raw[field] ?? false;
    if (typeof v !== 'boolean') errors[field] = 'true or false.';
    return v === true;
  };
  const impersonation = flag('impersonation');
  const delegation = flag('delegation');
  if (!errors.impersonation && !errors.delegation && !impersonation && !delegation) errors.impersonation = 'Allow impersonation, delegation or both (or turn exchange off).';
  if (audiences.length === 0 && !errors.audiences) errors.audiences = 'At least one target audience.';
  if (Object.keys(errors).length) return { errors };
  return { value: { audiences, subjectAudiences, impersonation, delegation, actorClients: actorClients! }, errors };
}

/** Stored as JSON in applications.token_exchange; anything unreadable is treated as off. */
export function readTokenExchangePolicy(stored: string | null | undefined): TokenExchangePolicy | null {
  if (!stored) return null;
  try {
    const p = JSON.parse(stored) as Partial<TokenExchangePolicy>;
    const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
    return { audiences: strings(p.audiences), subjectAudiences: strings(p.subjectAudiences), impersonation: p.impersonation === true, delegation: p.delegation === true, actorClients: strings(p.actorClients) };
  } catch {
    return null;
  }
}

export const writeTokenExchangePolicy = (p: TokenExchangePolicy | null): string | null => (p ? JSON.stringify(p) : null);
