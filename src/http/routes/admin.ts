import type { Middleware } from 'koa';
import type Router from '../router.ts';
import { pageRouter } from '../router.ts';
import { HttpError } from '../middleware/errors.ts';
import { currentUser, requireLogin } from '../middleware/session-user.ts';
import { tr, type Render } from '../render.ts';
import { PRIVILEGED_GRANT_TYPES } from '../../oauth2/privileges.ts';
import { isPrivilegedScope } from '../../oauth2/scope.ts';
import { LIFETIME_FIELDS, type LifetimeMaxima } from '../../oauth2/client-registration.ts';
import { adminEn } from '../i18n/en/admin.ts';
import type { MessageKey } from '../i18n/index.ts';

/**
 * The admin console's sections, in menu order. Each is one pug page (templates/admin/<name>.pug) whose script
 * (templates/static/admin.js) is a client of the public GraphQL API: it calls /graphql with the administrator's
 * session and its X-CSRF-Token, as any admin UI would. The server only renders the frame; it reads no data for it.
 */
export const ADMIN_SECTIONS = ['users', 'applications', 'tokens', 'keys', 'events', 'resources'] as const;

/** Administrators only: anyone else signed in gets 403 (the pages hold nothing, but say nothing either). */
const requireAdmin = (): Middleware => async (ctx, next) => {
  if (!currentUser(ctx).isAdmin) throw new HttpError(403, 'forbidden', tr(ctx)('admin.forbidden'));
  await next();
};

/** The words the script shows (buttons it makes, messages), handed to it in the page's language. */
const SCRIPT_WORDS = Object.keys(adminEn).filter((k) => k.startsWith('admin.js.')) as MessageKey[];

const PLACEHOLDERS = Object.fromEntries(['user', 'why', 'n', 'client', 'name', 'identifier', 'fields'].map((p) => [p, `{${p}}`]));

// A GraphQL enum value of a registry name, the rule of src/graphql/resolvers/client.ts (enumName).
const enumName = (name: string) => name.replace(/^.*:/, '').replace(/[^A-Za-z0-9_]/g, '_').toUpperCase();

export function adminRoutes(deps: { render: Render; scopes: Record<string, string>; lifetimeMaxima: LifetimeMaxima }): Router {
  const router = pageRouter({ prefix: '/admin' });
  // Anonymous visitors go to the login page with this path as `next` (login checks it with safeNext).
  router.use(requireLogin(), requireAdmin());
  const page = (name: string, locals: Record<string, unknown> = {}): Middleware => (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const t = tr(ctx);
    // Placeholders stay for the script to fill ({user} is given back as itself).
    const words = JSON.stringify(Object.fromEntries(SCRIPT_WORDS.map((k) => [k.slice('admin.js.'.length), t(k, PLACEHOLDERS)])));
    deps.render(ctx, `admin/${name}`, { title: t('admin.title'), section: name, sections: ADMIN_SECTIONS, words, ...locals });
  };
  router.get('/', page('index'));
  router.get(['/users', '/users/'], page('users'));
  router.get(['/applications', '/applications/'], page('applications', {
    // What only administrators may give a client (src/oauth2/privileges.ts), as the API names it.
    privilegedScopes: Object.keys(deps.scopes).filter(isPrivilegedScope),
    privilegedGrants: [...PRIVILEGED_GRANT_TYPES].map(enumName),
    // Issue 21: per-client lifetimes, each bounded by its server maximum (empty: the server's default).
    lifetimeFields: LIFETIME_FIELDS.map((name) => ({ name, max: deps.lifetimeMaxima[name] })),
  }));
  router.get(['/tokens', '/tokens/'], page('tokens'));
  router.get(['/keys', '/keys/'], page('keys'));
  router.get(['/events', '/events/'], page('events'));
  router.get(['/resources', '/resources/'], page('resources'));
  return router;
}
