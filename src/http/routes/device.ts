import type Router from '../router.ts';
import { pageRouter, protocolRouter } from '../router.ts';
import type { Context } from 'koa';
import { authorizeDevice, DEVICE_AUTHORIZATION_PATH, displayUserCode, normalizeUserCode, userCodeHash, VERIFICATION_PATH } from '../../oauth2/device.ts';
import type { DeviceCodeRow, DeviceStore } from '../../oauth2/device-store.ts';
import type { ClientRecord, ClientStore, EventSink } from '../../oauth2/store.ts';
import type { UserStore } from '../../accounts/store.ts';
import { parseScope } from '../../oauth2/scope.ts';
import type { ResourceCatalog } from '../../oauth2/resources.ts';
import { deviceRefusedScopes } from '../../oauth2/privileges.ts';
import { claimsOfScope } from '../../oidc/claims.ts';
import { formParams, oauthEndpoint, plainParams } from '../oauth-endpoint.ts';
import { authenticatedClient, clientAuthentication, type ClientAuthDeps } from '../middleware/client-auth.ts';
import { csrfProtection } from '../middleware/csrf.ts';
import { currentUser, requireLogin } from '../middleware/session-user.ts';
import { sessionAmr } from '../oidc-session.ts';
import { tr, type Render } from '../render.ts';
import type { deviceAuthorizationLimits, UserCodeGuard } from '../device-throttle.ts';
import type { SecurityProfile } from '../../oauth2/security-profile/index.ts';

export interface DeviceRouteDeps extends ClientAuthDeps {
  devices: DeviceStore;
  clientsById: Pick<ClientStore, 'findById'>;
  events: EventSink;
  issuer: () => string;
  defaultScopes: readonly string[];
  /** RFC 8707: the resource servers a device authorization may name (as at the authorization endpoint). */
  resources?: () => Promise<ResourceCatalog>;
  scopes: Record<string, string>;
  guard: UserCodeGuard;
  limits: ReturnType<typeof deviceAuthorizationLimits>;
  users: Pick<UserStore, 'findById'>;
  render: Render;
  securityProfile?: SecurityProfile;
}

const strip = (p: string) => [p.slice(0, -1), p];

/** RFC 8628 §3.1: the device authorization endpoint (protocol lane) and §3.3: the verification page (page lane). */
export function deviceRoutes(deps: DeviceRouteDeps): Router[] {
  const api = protocolRouter({ cors: true });
  api.post(strip(DEVICE_AUTHORIZATION_PATH), oauthEndpoint(), deps.limits.perSource, clientAuthentication(deps), deps.limits.perClient, async function deviceAuthorization(ctx) {
    ctx.body = await authorizeDevice(formParams(ctx), authenticatedClient(ctx), { devices: deps.devices, issuer: deps.issuer(), defaultScopes: deps.defaultScopes, now: Date.now(), resources: deps.resources, securityProfile: deps.securityProfile });
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
    const guarded = await deps.guard({ ip: ctx.ip, userId: currentUser(ctx).id }, async () => {
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

  /** RFC 8628 §5.4: who put this application here, so a person can tell a stranger's registration from a known one. */
  async function originOf(client: ClientRecord): Promise<{ kind: string; owner?: string; host?: string }> {
    if (client.registered === 'dynamic') return { kind: 'dynamic' };
    if (client.registered === 'metadata') return { kind: 'metadata', host: new URL(client.clientId).host };
    const owner = await deps.users.findById(client.ownerId);
    return { kind: owner?.isAdmin ? 'admin' : 'owner', owner: owner?.username ?? '' };
  }

  page.get(strip(VERIFICATION_PATH), requireLogin(), csrfProtection(), async (ctx) => {
    const q = plainParams(ctx.query as Record<string, unknown>);
    if (q.user_code === undefined) return render(ctx, 200, {});
    const row = await lookUp(ctx, q.user_code);
    if (!row) return;
    const client = await deps.clientsById.findById(row.applicationId);
    // A client deleted since the lookup is the same page as an unknown code (issue 20 D4), never a 500.
    if (!client) return render(ctx, 400, { error: 'device.unknown', userCode: q.user_code });
    const scopes = parseScope(row.scope);
    // The prefilled link (verification_uri_complete) only fills the form: the user still confirms (RFC 8628 §5.4).
    render(ctx, 200, {
      confirm: true, client, origin: await originOf(client), userCode: displayUserCode(row.code), privileged: deviceRefusedScopes(scopes),
      scopes: scopes.map((s) => ({ name: s, description: deps.scopes[s] ?? s, claims: claimsOfScope(s) })),
    });
  });

  page.post(strip(VERIFICATION_PATH), requireLogin(), csrfProtection(), async (ctx) => {
    const body = plainParams(ctx.request.body as Record<string, unknown>);
    const row = await lookUp(ctx, body.user_code);
    if (!row) return;
    const user = currentUser(ctx);
    // RFC 8628 §5.4: a privileged scope is never granted from a typed code (privileges.ts); Allow posted anyway denies.
    const refused = body.allow !== undefined && deviceRefusedScopes(parseScope(row.scope)).length > 0;
    const approve = body.allow !== undefined && !refused;
    const at = ctx.session?.loginAt as unknown;
    const bound = await deps.devices.decide(userCodeHash(row.code), { approve, userId: user.id, authTime: typeof at === 'number' ? at : null, amr: sessionAmr(ctx) }, Date.now());
    // Someone decided first (another user, or this one in another tab): the code stays theirs, and the page is the
    // one every unusable code gets (issue 20 D4: same status, same words, whichever path found it).
    if (!bound) return render(ctx, 400, { error: 'device.unknown' });
    await deps.events.record({ type: approve ? 'consent.granted' : 'consent.denied', userId: user.id, clientId: row.clientId, ip: ctx.ip, requestId: ctx.state.requestId, detail: { via: 'device', scope: row.scope } });
    render(ctx, refused ? 403 : 200, { done: approve ? 'device.approved' : refused ? 'device.privileged' : 'device.denied' });
  });
  return [api, page];
}
