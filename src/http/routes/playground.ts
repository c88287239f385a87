import type Router from '../router.ts';
import { pageRouter } from '../router.ts';
import { csrfProtection } from '../middleware/csrf.ts';
import { HttpError } from '../middleware/errors.ts';
import { currentUser, requireLogin } from '../middleware/session-user.ts';
import { flash, tr, type Render } from '../render.ts';
import { revealOnce } from '../reveal-once.ts';
import { echoUri } from '../../oauth2/redirect-uri.ts';
import type { ClientStore } from '../../oauth2/store.ts';
import { updateClient, type ClientDeps } from '../../oauth2/clients.ts';
import { validateClientInput, type RegistrationPolicy } from '../../oauth2/client-registration.ts';
import { playgroundEn } from '../i18n/en/playground.ts';
import type { MessageKey } from '../i18n/index.ts';

/** The words the script writes in the log (`pg.js.*`), in the page's language; its placeholders stay for it to fill. */
const SCRIPT_WORDS = Object.keys(playgroundEn).filter((k) => k.startsWith('pg.js.')) as MessageKey[];
const PLACEHOLDERS = Object.fromEntries(['alg', 'kid', 'iss', 'client', 'title'].map((p) => [p, `{${p}}`]));
const scriptWords = (ctx: Parameters<typeof tr>[0]) => {
  const t = tr(ctx);
  return JSON.stringify(Object.fromEntries(SCRIPT_WORDS.map((k) => [k.slice('pg.js.'.length), t(k, PLACEHOLDERS)])));
};

/**
 * The OAuth playground: a page whose script is a real OAuth client (fetch over HTTP to this server's own
 * endpoints), showing every request and response. The server only renders it and offers to register the
 * playground's callback URI on an application; it never shortcuts into the database for the flows.
 */
export function playgroundRoutes(deps: { clients: ClientStore; clientDeps: ClientDeps; policy: RegistrationPolicy; render: Render; issuer: () => string }): Router {
  const router = pageRouter({ prefix: '/o/playground' });
  router.use(requireLogin(), csrfProtection());
  const callbackUri = (origin: string) => `${origin}/o/playground/callback`;

  router.get('/', async (ctx) => {
    const user = currentUser(ctx);
    const applications = (await deps.clients.list(user.isAdmin ? undefined : user.id)).map((c) => ({
      id: c.id, clientId: c.clientId, name: c.name, clientType: c.clientType, grantTypes: c.grantTypes, allowedScopes: c.allowedScopes,
      oauth1Enabled: c.oauth1Enabled, hasCallback: c.redirectUris.includes(callbackUri(`${ctx.protocol}://${ctx.host}`)),
    }));
    ctx.set('Cache-Control', 'no-store');
    deps.render(ctx, 'playground', { title: tr(ctx)('pg.title'), words: scriptWords(ctx), applications, callbackUri: callbackUri(`${ctx.protocol}://${ctx.host}`), issuer: deps.issuer() });
  });

  // The page after the authorization server redirects back: the script picks up code/state (or oauth_verifier).
  router.get('/callback', (ctx) => {
    deps.render(ctx, 'playground', { title: tr(ctx)('pg.title'), words: scriptWords(ctx), applications: [], callbackUri: callbackUri(`${ctx.protocol}://${ctx.host}`), issuer: deps.issuer(), isCallback: true });
  });

  router.post('/register-callback', async (ctx) => {
    const body = ctx.request.body as Record<string, unknown>;
    const id = typeof body.application === 'string' && /^\d{1,9}$/.test(body.application) ? Number(body.application) : NaN;
    const client = Number.isNaN(id) ? null : await deps.clients.findById(id);
    const user = currentUser(ctx);
    if (!client || (client.ownerId !== user.id && !user.isAdmin)) throw new HttpError(404, 'not_found', 'There is no such application.');
    const uri = callbackUri(`${ctx.protocol}://${ctx.host}`);
    if (!client.redirectUris.includes(uri)) {
      // The same registration rules as the form: the URI is validated, and privileges.ts reviews an admin's trust.
      const result = await validateClientInput({ ...client, redirectUris: [...client.redirectUris, uri] }, deps.policy, { actor: user, current: client });
      if (!result.ok) throw new HttpError(400, 'invalid_request', Object.values(result.errors).join(' '));
      const { clientSecret } = await updateClient(client, result.value, deps.clientDeps, { userId: user.id, ip: ctx.ip, requestId: ctx.state.requestId });
      flash(ctx, tr(ctx)('pg.callbackAdded', { uri: echoUri(uri), name: client.name }));
      // A new secret (updateClient: e.g. one too short for the client's HS alg, RFC 7518 §3.2) is shown once, where
      // the form shows secrets: the application's page.
      if (clientSecret) {
        revealOnce(ctx, client.id, clientSecret);
        return ctx.redirect(`/o/applications/${client.id}/`);
      }
    }
    ctx.redirect(`/o/playground/?app=${client.id}`);
  });
  return router;
}
