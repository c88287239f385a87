import { AuthorizationPending, DeviceAccessDenied, ExpiredToken, InvalidGrant, InvalidRequest, SlowDown } from '../errors.ts';
import { mintFor, newFamilyId, recordRedeemed, tokenWriter, type TokenResponse } from '../issue.ts';
import type { ClientRecord } from '../store.ts';
import type { PollVerdict } from '../device-store.ts';
import { hashToken } from '../tokens.ts';
import { decideGrantedResources, parseResourceParam } from '../resources.ts';
import { formatScope, narrowToClient, parseScope } from '../scope.ts';
import type { GrantContext, GrantParams } from './context.ts';

export const grantType = 'urn:ietf:params:oauth:grant-type:device_code';
export const parameters: ReadonlySet<string> = new Set(['device_code', 'resource']);
// Public CLI clients are what the device flow is for; the user still approves on a consent page, so no privilege.
export const registrable = true;
export const issuesRefreshToken = true;
export const privileged = false;
/** A user's tokens reach the client at the token endpoint, not at a redirect URI (oidc/subject.ts sectorOf). */
export const userTokensWithoutRedirect = true;

/** RFC 8628 §3.5: slow_down raises the interval by 5 s; capped so a broken client is not sent away for hours. */
export const SLOW_DOWN_STEP = 5;
export const MAX_INTERVAL = 60;

const ERRORS = { authorization_pending: AuthorizationPending, slow_down: SlowDown, access_denied: DeviceAccessDenied, expired_token: ExpiredToken, invalid_grant: InvalidGrant } as const;

const MESSAGES = {
  authorization_pending: 'The user has not approved the request yet.',
  slow_down: 'Polling too fast: wait {interval} seconds between requests.',
  access_denied: 'The user denied the request.',
  expired_token: 'The device code has expired.',
  invalid_grant: 'The device code is invalid.',
} as const;

/** RFC 8628 §3.4/§3.5: the device polls; tokens are issued exactly once, after the user approved. */
export async function handle(params: GrantParams, client: ClientRecord, ctx: GrantContext): Promise<TokenResponse> {
  if (!params.device_code) throw new InvalidRequest('device_code is required.');
  if (!ctx.devices) throw new InvalidGrant('The device code is invalid.');
  // Whatever can fail is ready before the code is spent (as for authorization codes).
  await ctx.idTokens?.ready(client.idTokenSignedResponseAlg);
  // RFC 8707 §2 as for a code: the token request may name some of the resources the device authorization named.
  const requested = parseResourceParam(params.resource);
  const catalog = await ctx.resources?.();
  const writer = await tokenWriter(ctx, client, catalog?.anyJwt);
  let response: TokenResponse | undefined;
  let userId: number | null = null;
  let grantId: number | null = null;
  let login = { authTime: null as number | null, amr: [] as string[] };
  const result = await ctx.devices.poll(hashToken(params.device_code), ctx.now, (row): PollVerdict => {
    // RFC 8628 §3.4 / RFC 6749 §5.2: a device code issued to another client is invalid_grant, like one never issued.
    if (row.applicationId !== client.id || row.status === 'consumed') return { error: 'invalid_grant' };
    if (row.expiresAt <= ctx.now) return { error: 'expired_token' };
    if (row.status === 'denied') return { error: 'access_denied' };
    if (row.status === 'approved' && row.userId !== null) {
      userId = row.userId;
      grantId = row.grantId;
      login = { authTime: row.authTime, amr: row.amr };
      const target = decideGrantedResources(requested, row.resources, narrowToClient(parseScope(row.scope), client), false, catalog);
      const minted = mintFor(ctx, { applicationId: client.id, userId: row.userId, grantId: row.grantId, scope: formatScope(target.scopes), familyId: newFamilyId(ctx.now), withRefresh: issuesRefreshToken, writer, authTime: row.authTime, login: { authTime: row.authTime, sid: null, amr: row.amr }, audience: target.audience, grantedResources: row.resources });
      // The refresh token keeps the whole authorization (scope and resources), so a narrowed token can widen again.
      if (minted.rows.refresh) minted.rows.refresh.scope = row.scope;
      response = minted.response;
      return { issue: minted.rows };
    }
    // RFC 8628 §3.5: polling faster than the interval gets slow_down, and the interval grows by 5 s for this code.
    const tooSoon = row.lastPolledAt !== null && ctx.now - row.lastPolledAt < row.interval * 1000;
    return tooSoon ? { error: 'slow_down', polled: { interval: Math.min(row.interval + SLOW_DOWN_STEP, MAX_INTERVAL) } } : { error: 'authorization_pending', polled: { interval: row.interval } };
  });
  if (!result.found) throw new InvalidGrant('The device code is invalid.');
  const v = result.verdict;
  if ('issue' in v) {
    // Another poll spent it between our read and our write (cannot happen under the row lock, kept as a guard).
    if (!result.applied) throw new InvalidGrant('The device code has already been used.');
    await recordRedeemed(ctx, { type: 'token.issued', clientId: client.clientId, userId, grantId, detail: { grant: grantType, scope: response!.scope } });
    // OpenID Connect Core §3.1.3.3 as for a code: scope openid adds an ID Token (no nonce: RFC 8628 has none).
    const idToken = await ctx.idTokens?.issue({ clientId: client.clientId, client, alg: client.idTokenSignedResponseAlg, userId: userId!, scope: response!.scope ?? '', nonce: null, authTime: login.authTime, sid: null, amr: login.amr, accessToken: response!.access_token, now: ctx.now });
    return idToken ? { ...response!, id_token: idToken } : response!;
  }
  const Err = ERRORS[v.error];
  throw new Err(MESSAGES[v.error].replace('{interval}', 'polled' in v ? String(v.polled.interval) : ''));
}
