import type Router from '../router.ts';
import { pageRouter } from '../router.ts';
import { ADDRESS_FIELDS, PROFILE_TEXT_FIELDS } from '../../accounts/profile.ts';
import type { UserStore } from '../../accounts/store.ts';
import { updateProfile, type ProfileUpdate } from '../../accounts/users.ts';
import type { EventSink } from '../../oauth2/store.ts';
import { csrfProtection } from '../middleware/csrf.ts';
import { currentUser, requireLogin } from '../middleware/session-user.ts';
import { flash, tr, type Render } from '../render.ts';

/** The form's fields: the §5.1 claims as named, the address parts as address.<part> (address-<part> in the form, which the body parser would nest), and the email. */
const FIELDS = ['email', ...PROFILE_TEXT_FIELDS, ...ADDRESS_FIELDS.map((p) => `address.${p}`)];

const inputName = (field: string) => field.replace('.', '-');

function formValues(u: ReturnType<typeof currentUser>): Record<string, string> {
  const v: Record<string, string> = { email: u.email ?? '' };
  for (const f of PROFILE_TEXT_FIELDS) v[f] = u.profile[f] ?? '';
  for (const p of ADDRESS_FIELDS) v[`address.${p}`] = u.profile.address?.[p] ?? '';
  return v;
}

function formToEdit(body: Record<string, unknown>): ProfileUpdate {
  const text = (name: string) => { const v = body[inputName(name)]; return typeof v === 'string' ? v : ''; };
  const edit: ProfileUpdate = { email: text('email'), address: {} };
  for (const f of PROFILE_TEXT_FIELDS) edit[f] = text(f);
  for (const p of ADDRESS_FIELDS) edit.address![p] = text(`address.${p}`);
  return edit;
}

/** The user's own profile: the OpenID Connect claims applications they authorize may read (accounts/profile.ts). */
export function profileRoutes(deps: { users: UserStore; events: EventSink; render: Render }): Router {
  const router = pageRouter({ prefix: '/accounts/profile' });
  router.use(requireLogin(), csrfProtection());

  router.get('/', (ctx) => {
    deps.render(ctx, 'profile', { title: tr(ctx)('profile.title'), fields: FIELDS, values: formValues(currentUser(ctx)) });
  });

  router.post('/', async (ctx) => {
    const body = ctx.request.body as Record<string, unknown>;
    const user = currentUser(ctx);
    // A person edits their own profile; the verified marks stay an administrator's (GraphQL, CLI).
    const r = await updateProfile(deps.users, user, formToEdit(body), false);
    if (!r.ok) {
      ctx.status = 400;
      const edit = formToEdit(body);
      const values = Object.fromEntries(FIELDS.map((f) => [f, f.startsWith('address.') ? edit.address![f.slice(8) as 'country'] : edit[f as 'email']]));
      return deps.render(ctx, 'profile', { title: tr(ctx)('profile.title'), fields: FIELDS, values, errors: r.errors });
    }
    await deps.events.record({ type: 'user.profile_updated', userId: user.id, ip: ctx.ip, requestId: ctx.state.requestId, detail: { id: user.id } });
    flash(ctx, tr(ctx)('profile.saved'));
    ctx.redirect('/accounts/profile/');
  });
  return router;
}
