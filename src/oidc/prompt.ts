import { ConsentRequired, InteractionRequired, InvalidRequest, LoginRequired, type OAuthError } from '../oauth2/errors.ts';
import { parseScope } from '../oauth2/scope.ts';
import { unconsentedClaims, type ClaimsRequest } from './request-params.ts';

/**
 * OpenID Connect Core §3.1.2.1 prompt values Gatehouse understands. A session holds one account, so select_account
 * is a login where the current account is offered (its username prefilled) and another may be chosen.
 */
export const PROMPT_VALUES = ['none', 'login', 'consent', 'select_account'] as const;

/** The space-delimited prompt values; unknown ones are ignored. */
export const promptValues = (prompt: string | undefined): ReadonlySet<string> => new Set((prompt ?? '').split(' ').filter(Boolean));

/** Core §3.1.2.1: `none` must stand alone, and max_age is a whole number of seconds. Throws InvalidRequest. */
export function validateAuthenticationParams(params: { prompt?: string; max_age?: string }): { maxAge?: number } {
  const prompt = promptValues(params.prompt);
  if (prompt.has('none') && prompt.size > 1) throw new InvalidRequest('prompt=none cannot be combined with other values.');
  if (params.max_age === undefined) return {};
  if (!/^\d{1,10}$/.test(params.max_age)) throw new InvalidRequest('max_age must be a whole number of seconds.');
  return { maxAge: Number(params.max_age) };
}

/**
 * Core §3.1.2.3: may the request proceed with this session? `login` means authenticate first: nobody is logged in,
 * another user than id_token_hint's is (`sessionSub`), prompt=login asks for a fresh authentication, or the last one
 * is older than max_age. With prompt=none that
 * page may not be shown, so the answer is a login_required error to redirect (§3.1.2.6).
 * `authTime` is undefined without a session, null when the session does not know when it logged in.
 */
export function authenticationStep(req: { prompt?: string; maxAge?: number; expectedSub?: string; loginAfter?: number }, authTime: number | null | undefined, now: number, sessionSub?: string): 'proceed' | 'login' | OAuthError {
  const prompt = promptValues(req.prompt);
  // A request set aside for a login (loginAfter) is answered by a login since: that is the login its prompt=login,
  // select_account or max_age asked for, however long the consent page then took (as node-oidc-provider counts a
  // login within its interaction). Before one, they ask again: opening the stored copy skipped them (attacker read 26, F1).
  const loggedInForIt = req.loginAfter !== undefined && typeof authTime === 'number' && authTime >= req.loginAfter;
  let reason: string | undefined;
  if (authTime === undefined) reason = 'The user is not logged in.';
  // Core §3.1.2.1 id_token_hint: another End-User is signed in than the one the client expects.
  else if (req.expectedSub !== undefined && req.expectedSub !== sessionSub) reason = 'The user signed in is not the one the request names (id_token_hint or a claims sub value).';
  else if (loggedInForIt) reason = undefined;
  else if (req.loginAfter !== undefined) reason = 'The request waits for a new login.';
  else if (prompt.has('login')) reason = 'A fresh login was requested.';
  else if (prompt.has('select_account')) reason = 'An account choice was requested.';
  else if (req.maxAge !== undefined && (authTime === null || Math.floor(now / 1000) - Math.floor(authTime / 1000) > req.maxAge)) reason = 'The last login is older than max_age.';
  if (reason === undefined) return 'proceed';
  return prompt.has('none') ? new LoginRequired(reason) : 'login';
}

/** How long after the login a request forced the user may take on the consent page before it asks again (10 min). */
export const RESUMED_MAX_AGE_S = 600;

/**
 * Where the login page sends the user back: the same request without prompt=login/select_account, and with a max_age
 * the fresh login satisfies (as they were, they would send the user to the login page again and again).
 */
export function afterLogin(path: string, query: string, currentUsername?: string, hintedUsername?: string): string {
  const q = new URLSearchParams(query);
  const values = promptValues(q.get('prompt') ?? undefined);
  // id_token_hint's user is offered like a login_hint; select_account offers the session's account (the login page
  // prefills login_hint).
  if (hintedUsername !== undefined && !q.has('login_hint')) q.set('login_hint', hintedUsername);
  else if (values.has('select_account') && currentUsername !== undefined && !q.has('login_hint')) q.set('login_hint', currentUsername);
  const prompt = [...values].filter((p) => p !== 'login' && p !== 'select_account');
  if (prompt.length) q.set('prompt', prompt.join(' ')); else q.delete('prompt');
  // The login just made answers max_age: the request it resumes keeps asking (auth_time is then REQUIRED in the ID
  // Token, Core §3.1.2.1, and a pairwise client gets it only when asked), but allows RESUMED_MAX_AGE_S for the consent
  // page after that login, so max_age=0 cannot send the user back to log in again and again.
  const maxAge = q.get('max_age');
  if (maxAge !== null) q.set('max_age', String(Math.max(Number(maxAge), RESUMED_MAX_AGE_S)));
  return `${path}?${q}`;
}

/**
 * Core §3.1.2.6: why prompt=none cannot be answered without the consent page. The user consented to the scopes but
 * not to claims the `claims` parameter names: interaction_required; otherwise consent_required.
 */
export function promptNoneRefusal(req: { scopes: string[]; claims?: ClaimsRequest }, grant: { scope: string; claims: string; revokedAt: number | null } | null): OAuthError {
  const scopes = grant && grant.revokedAt === null ? parseScope(grant.scope) : [];
  if (req.scopes.every((s) => scopes.includes(s)) && unconsentedClaims(req.claims, scopes, grant?.claims).length) {
    return new InteractionRequired('The user has not agreed to share the claims requested.');
  }
  return new ConsentRequired('The user has not consented to this request.');
}
