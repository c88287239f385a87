import type { GrantType } from './store.ts';

/** The grant types a client can be registered for; refresh_token follows from the first three. */
export const REGISTRABLE_GRANT_TYPES = ['authorization_code', 'implicit', 'password', 'client_credentials'] as const;

/** django-oauth-toolkit spells grant types with dashes; accept both spellings from forms and CLIs. */
export function normalizeGrantType(value: string): GrantType | null {
  const v = value.trim().replace(/-/g, '_');
  return (REGISTRABLE_GRANT_TYPES as readonly string[]).includes(v) || v === 'refresh_token' ? (v as GrantType) : null;
}

/** Grants the client may use at the token endpoint, refresh_token included where it follows. */
export function effectiveGrantTypes(registered: readonly GrantType[]): GrantType[] {
  const out = [...registered];
  // Refresh tokens are issued with authorization_code and password grants (RFC 6749 §4.1.4, §4.3.3).
  if ((registered.includes('authorization_code') || registered.includes('password')) && !out.includes('refresh_token')) out.push('refresh_token');
  return out;
}
