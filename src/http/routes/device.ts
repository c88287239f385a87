import type Router from '../router.ts';
import { pageRouter, protocolRouter } from '../router.ts';
import type { Context } from 'koa';
import { authorizeDevice, DEVICE_AUTHORIZATION_PATH, displayUserCode, normalizeUserCode, userCodeHash, VERIFICATION_PATH } from '../../oauth2/device.ts';
import type { DeviceCodeRow, DeviceStore } from '../../oauth2/device-store.ts';
import type { ClientStore, EventSink } from '../../oauth2/store.ts';
import { parseScope, scopeUserMayNotHold } from '../../oauth2/scope.ts';
import { claimsOfScope } from '../../oidc/claims.ts';
import { formParams, oauthEndpoint, plainParams } from '../oauth-endpoint.ts';
import { authenticatedClient, clientAuthentication, type ClientAuthDeps } from '../middleware/client-auth.ts';
import { csrfProtection } from '../middleware/csrf.ts';
import { currentUser, requireLogin } from '../middleware/session-user.ts';
import { sessionAmr } from '../oidc-session.ts';
import { tr, type Render } from '../render.ts';
import type { UserCodeGuard } from '../device-throttle.ts';

export interface DeviceRouteDeps extends ClientAuthDeps {
  devices: DeviceStore;
  clientsById: Pick<ClientStore, 'findById'>;
  events: EventSink;
  issuer: () => string;
  defaultScopes: readonly string[];
  scopes: Record<string, string>;
  guard: UserCodeGuard;
  render: Render;
}

const strip = (p: string) => [p.slice(0, -1), p];

/** RFC 8628 §3.1: the device authorization endpoint (protocol lane) and §3.3: the verification page (page lane). */
export function deviceRoutes(deps: DeviceRouteDeps): Router[] {
  const api = protocolRouter({ cors: true });
  api.post(strip(DEVICE_AUTHORIZATION_PATH), oauthEndpoint(), clientAuthentication(deps), async function deviceAuthorization(ctx) {
    ctx.body = await authorizeDevice(formParams(ctx), authenticatedClient(ctx), { devices: deps.devices, issuer: deps.issuer(), defaultScopes: deps.defaultScopes, now: Date.now() });
  });

  const page = pageRouter();
  const render = (ctx: Context, status: number, locals: Record<string, unknown>) => {
    ctx.status = status;
    ctx.set('Cache-Control', 'no-store');
    deps.render(ctx, 'device', { title: tr(ctx)('device.title'), userCode: '', ...locals });
  };

  /** Looks the code up under the guess throttle; renders the page's error and returns null when it cannot be used. */
  async function lookUp(ctx: Context, input: string | undefined): Promise<(DeviceCodeRow & { clientId: string; code: string }) | null> {
    const code = normalizeUserCode(input);
    const guarded = await deps.guard(ctx.ip, async () => {
      if (!code) return null;
      const row = await deps.devices.findByUserCode(userCodeHash(code));
      return row && row.status === 'pending' && row.expiresAt > Date.now() ? row : null;
    });
    if ('retryAfter' in guarded) {
      ctx.set('Retry-After', String(guarded.retryAfter));
      render(ctx, 429, { error: 'device.throttled', userCode: input ?? '' });
      return null;
    }
    if (!guarded.result) { render(ctx, 400, { error: 'device.unknown', userCode: input ?? '' }); return null; }
    return { ...guarded.result, code: code! };
  }

  page.get(strip(VERIFICATION_PATH), requireLogin(), csrfProtection(), async (ctx) => {
    const q = plainParams(ctx.query as Record<string, unknown>);
    if (q.user_code === undefined) return render(ctx, 200, {});
    const row = await lookUp(ctx, q.user_code);
    if (!row) return;
    const client = await deps.clientsById.findById(row.applicationId);
    // The prefilled link (verification_uri_complete) only fills the form: the user still confirms (RFC 8628 §5.4).
    render(ctx, 200, {
      confirm: true, client, userCode: displayUserCode(row.code),
      scopes: parseScope(row.scope).map((s) => ({ name: s, description: deps.scopes[s] ?? s, claims: claimsOfScope(s) })),
    });
  });

  page.post(strip(VERIFICATION_PATH), requireLogin(), csrfProtection(), async (ctx) => {
    const body = plainParams(ctx.request.body as Record<string, unknown>);
    const row = await lookUp(ctx, body.user_code);
    if (!row) return;
    const user = currentUser(ctx);
    let approve = body.allow !== undefined;
    // Privileged scopes follow the same rule as the authorization endpoint: admin only for an administrator.
    const refused = approve ? scopeUserMayNotHold(parseScope(row.scope), user) : undefined;
    if (refused) approve = false;
    const at = ctx.session?.loginAt as unknown;
    const bound = await deps.devices.decide(userCodeHash(row.code), { approve, userId: user.id, authTime: typeof at === 'number' ? at : null, amr: sessionAmr(ctx) }, Date.now());
    // Someone decided first (another user, or this one in another tab): the code stays theirs.
    if (!bound) return render(ctx, 409, { error: 'device.unknown' });
    await deps.events.record({ type: approve ? 'consent.granted' : 'consent.denied', userId: user.id, clientId: row.clientId, ip: ctx.ip, requestId: ctx.state.requestId, detail: { via: 'device', scope: row.scope } });
    render(ctx, refused ? 403 : 200, { done: approve ? 'device.approved' : refused ? 'device.privileged' : 'device.denied' });
  });
  return [api, page];
}
