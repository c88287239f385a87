import type Router from '../router.ts';
import { pageRouter } from '../router.ts';
import type { EventSink, GrantStore, TokenStore } from '../../oauth2/store.ts';
import { csrfProtection } from '../middleware/csrf.ts';
import { HttpError } from '../middleware/errors.ts';
import { currentUser, requireLogin } from '../middleware/session-user.ts';
import { flash, tr, type Render } from '../render.ts';

/** The user's side of consent: every application they authorized, and a way to take it back. */
export function authorizedRoutes(deps: { grants: GrantStore; tokens: TokenStore; events: EventSink; render: Render; scopes: Record<string, string> }): Router {
  const router = pageRouter({ prefix: '/o/authorized_tokens' });
  router.use(requireLogin(), csrfProtection());

  async function own(userId: number, id: string) {
    const grant = /^\d{1,9}$/.test(id) ? (await deps.grants.listForUser(userId)).find((g) => g.id === Number(id)) : undefined;
    if (!grant) throw new HttpError(404, 'not_found', 'There is no such authorization.');
    return grant;
  }

  router.get('/', async (ctx) => {
    const grants = await deps.grants.listForUser(currentUser(ctx).id);
    deps.render(ctx, 'authorized/list', { title: 'Authorized applications', grants, scopeChoices: deps.scopes });
  });

  router.get(['/:id/delete', '/:id/delete/'], async (ctx) => {
    deps.render(ctx, 'authorized/confirm-delete', { title: 'Revoke access', grant: await own(currentUser(ctx).id, ctx.params.id) });
  });

  router.post(['/:id/delete', '/:id/delete/'], async (ctx) => {
    const user = currentUser(ctx);
    const grant = await own(user.id, ctx.params.id);
    // Revoking the grant revokes every token and unused code under it, at once.
    const revoked = await deps.tokens.revokeByGrant(grant.id, Date.now());
    await deps.events.record({ type: 'consent.revoked', userId: user.id, clientId: grant.clientId, ip: ctx.ip, requestId: ctx.state.requestId, detail: { tokens: revoked } });
    flash(ctx, tr(ctx)('authorized.revoked', { client: grant.clientName }));
    ctx.redirect('/o/authorized_tokens/');
  });
  return router;
}
