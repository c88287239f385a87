// Users: createuser, updateuser, deactivateuser, endsessions (the passwords are in src/cli/passwords.ts).
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import type { Gatehouse } from '../app.ts';
import { createUser, updateProfile, type ProfileUpdate } from '../accounts/users.ts';
import { ADDRESS_FIELDS, PROFILE_TEXT_FIELDS } from '../accounts/profile.ts';
import type { SessionsEndReason } from '../oidc/login-sessions.ts';
import { fail, failFields, out, usageError, withApp, type Command } from './command.ts';

// updateuser's options: the OpenID Connect §5.1 claims of accounts/profile.ts, dashed (--given-name, --address-locality).
const dashed = (name: string) => name.replace(/_/g, '-');
const PROFILE_OPTIONS = ['email', ...PROFILE_TEXT_FIELDS, ...ADDRESS_FIELDS.map((p) => `address_${p}`)].map(dashed);

/** updateuser's options as a profile edit; an empty value clears the field. The operator may set the verified marks. */
function profileEdit(values: Record<string, string | undefined>): ProfileUpdate | string {
  const edit: ProfileUpdate = {};
  if (values.email !== undefined) edit.email = values.email;
  for (const f of PROFILE_TEXT_FIELDS) if (values[dashed(f)] !== undefined) edit[f] = values[dashed(f)];
  for (const p of ADDRESS_FIELDS) if (values[`address-${dashed(p)}`] !== undefined) (edit.address ??= {})[p] = values[`address-${dashed(p)}`];
  for (const [option, field] of [['email-verified', 'email_verified'], ['phone-number-verified', 'phone_number_verified']] as const) {
    const v = values[option];
    if (v === undefined) continue;
    if (v !== 'true' && v !== 'false') return `--${option} takes true or false.`;
    edit[field] = v === 'true';
  }
  return edit;
}

export const createuser: Command = {
  name: 'createuser',
  summary: 'create a user (or an administrator)',
  usage: `Usage: gatehouse createuser USERNAME [--admin] [--password P] [--email E]
  --admin       an administrator (the admin console, GraphQL's admin fields, privileged client capabilities)
  --password P  the password (else GATEHOUSE_PASSWORD, else one generated and printed once)
  --email E     the user's email address`,
  async run({ fromEnv, args }) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { admin: { type: 'boolean' }, password: { type: 'string' }, email: { type: 'string' } } });
    const username = positionals[0];
    if (!username) return usageError(createuser, 'createuser needs a USERNAME.');
    return withApp(fromEnv, async (app) => {
      const password = values.password ?? process.env.GATEHOUSE_PASSWORD ?? randomBytes(12).toString('base64url');
      const r = await app.withContext(() => createUser(app.stores.users, { username, password, email: values.email, isAdmin: values.admin ?? false }));
      if (!r.ok) { failFields(r.errors); return 1; }
      out(`Created ${r.user.isAdmin ? 'admin ' : ''}user "${r.user.username}" (id ${r.user.id}).`);
      if (!values.password && !process.env.GATEHOUSE_PASSWORD) out(`Password (shown once): ${password}`);
      return 0;
    });
  },
};

export const updateuser: Command = {
  name: 'updateuser',
  summary: 'set a user\'s OpenID Connect profile claims',
  usage: `Usage: gatehouse updateuser USERNAME [--email E] [--email-verified true|false] [--phone-number-verified true|false]
                             [--CLAIM VALUE]...
  OpenID Connect §5.1 profile claims; an empty VALUE clears one. Claims:
  ${PROFILE_OPTIONS.filter((o) => o !== 'email').map((o) => `--${o}`).join(' ')}`,
  async run({ fromEnv, args }) {
    const options = Object.fromEntries([...PROFILE_OPTIONS, 'email-verified', 'phone-number-verified'].map((o) => [o, { type: 'string' as const }]));
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options });
    const edit = profileEdit(values as Record<string, string | undefined>);
    if (typeof edit === 'string') return usageError(updateuser, edit);
    if (!positionals[0]) return usageError(updateuser, 'updateuser needs a USERNAME.');
    return withApp(fromEnv, async (app) => {
      const r = await app.withContext(async () => {
        const found = await app.stores.users.findByUsername(positionals[0]);
        if (!found) return null;
        const { passwordHash: _omit, ...user } = found;
        return updateProfile(app.stores.users, user, edit, true);
      });
      if (!r) { fail(`No user "${positionals[0]}".`); return 1; }
      if (!r.ok) { failFields(r.errors); return 1; }
      out(`Updated the profile of "${r.user.username}".`);
      return 0;
    });
  },
};

/**
 * Ends a user's browser sessions after `change` (which may refuse, with a message) and tells the clients those
 * sessions signed in to (Back-Channel logout tokens, sent before the process ends). Shared with the passwords.
 */
export async function endSessionsAfter(app: Gatehouse, username: string, reason: SessionsEndReason, change: (userId: number) => Promise<string | null>): Promise<number> {
  const r = await app.withContext(async () => {
    const user = await app.stores.users.findByUsername(username);
    if (!user) return `No user "${username}".`;
    const refused = await change(user.id);
    return refused ?? app.loginSessions.endAllOf(user.id, reason);
  });
  if (typeof r === 'string') { fail(r); return 1; }
  await app.backchannel.idle();
  out(`Ended ${r} login session(s) of "${username}".`);
  return 0;
}

const SESSIONS_NOTE = 'The clients those sessions signed in to receive Back-Channel logout tokens.';

export const deactivateuser: Command = {
  name: 'deactivateuser',
  summary: 'deactivate a user: their tokens are revoked, browser sessions end',
  usage: `Usage: gatehouse deactivateuser USERNAME\n  The user's grants, tokens and pending codes are revoked (a later activation gives none back) and their browser sessions end. ${SESSIONS_NOTE}`,
  async run({ fromEnv, args }) {
    const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
    if (!positionals[0]) return usageError(deactivateuser, 'deactivateuser needs a USERNAME.');
    let revoked = 0;
    return withApp(fromEnv, async (app) => {
      const code = await endSessionsAfter(app, positionals[0], 'deactivated', async (id) => {
        revoked = await app.stores.users.setActive(id, false);
        await app.stores.events.record({ type: 'user.deactivated', detail: { id, tokens: revoked, by: 'cli' } });
        return null;
      });
      if (code === 0) out(`Revoked ${revoked} token(s) and pending code(s) of "${positionals[0]}".`);
      return code;
    });
  },
};

export const endsessions: Command = {
  name: 'endsessions',
  summary: 'end a user\'s browser sessions',
  usage: `Usage: gatehouse endsessions USERNAME\n  Ends the user's browser sessions. ${SESSIONS_NOTE}`,
  async run({ fromEnv, args }) {
    const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
    if (!positionals[0]) return usageError(endsessions, 'endsessions needs a USERNAME.');
    return withApp(fromEnv, (app) => endSessionsAfter(app, positionals[0], 'administrator', async () => null));
  },
};
