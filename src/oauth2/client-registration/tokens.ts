// How the client's tokens are made: DPoP binding (RFC 9449), the access-token format (RFC 9068), per-client lifetimes.
import { ACCESS_TOKEN_FORMATS, type AccessTokenFormat } from '../store.ts';
import { choice, toBool } from './fields.ts';
import type { Check } from './types.ts';

export const LIFETIME_FIELDS = ['accessTokenLifetime', 'refreshTokenLifetime', 'authorizationCodeLifetime'] as const;
type Lifetimes = Record<(typeof LIFETIME_FIELDS)[number], number | null>;

export function validDpop({ raw, context, errors }: Check): boolean | null {
  // RFC 9449 §5.2: left out, unchanged on update (false for a new client).
  const dpopBoundAccessTokens = raw.dpopBoundAccessTokens === undefined ? context.current?.dpopBoundAccessTokens ?? false : toBool(raw.dpopBoundAccessTokens);
  if (dpopBoundAccessTokens === null) errors.dpopBoundAccessTokens = 'Must be true or false.';
  return dpopBoundAccessTokens;
}

export function validAccessTokenFormat({ raw, context, errors }: Check): AccessTokenFormat | null {
  // Not privileges: the owner chooses how the client's own tokens are written. Left out, the current choice stays.
  const accessTokenFormat = choice(raw.accessTokenFormat, ACCESS_TOKEN_FORMATS, context.current?.accessTokenFormat ?? 'opaque');
  if (!accessTokenFormat) errors.accessTokenFormat = `Choose ${ACCESS_TOKEN_FORMATS.join(' or ')}.`;
  return accessTokenFormat;
}

/**
 * A per-client lifetime: left out keeps the current one, null or '' is the server's default, otherwise whole seconds
 * from 1 to the server's maximum. Who may set it is privileges.ts's to say (administrators only).
 */
function lifetime(raw: unknown, current: number | null | undefined, max: number, setting: string): { value: number | null } | { error: string } {
  if (raw === undefined) return { value: current ?? null };
  if (raw === null || raw === '') return { value: null };
  const n = typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) return { error: 'Whole seconds, at least 1 (or none for the server default).' };
  if (n > max) return { error: `At most ${max} seconds (${setting}).` };
  return { value: n };
}

export function validLifetimes({ raw, policy, context, errors }: Check): Lifetimes {
  const lifetimes = {} as Lifetimes;
  const maxSetting = { accessTokenLifetime: 'ACCESS_TOKEN_MAX_LIFETIME', refreshTokenLifetime: 'REFRESH_TOKEN_MAX_LIFETIME', authorizationCodeLifetime: 'AUTHORIZATION_CODE_MAX_LIFETIME' } as const;
  for (const f of LIFETIME_FIELDS) {
    // A registration-endpoint caller is judged without what an administrator gave the client (privileges.ts DYNAMIC).
    const r = lifetime(raw[f], context.actor.dynamic ? null : context.current?.[f], policy.lifetimeMaxima[f], maxSetting[f]);
    if ('error' in r) errors[f] = r.error; else lifetimes[f] = r.value;
  }
  return lifetimes;
}
