// The commands: `serve` (default), `migrate`, `createuser`, `updateuser`, `setpassword`, `deactivateuser`, `endsessions`,
// `createclient`, `cleartokens`, `rotatekeys`, `createinitialtoken`, `createresource`, `listresources`,
// `deleteresource`, `makemigrations`.
import { issueInitialAccessToken, initialTokenLifetimeProblem } from './oauth2/dynamic-registration.ts';
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { loadConfig, environmentOverrides, ConfigError, type ConfigOverrides, type GatehouseConfig } from './config.ts';
import { createApp, type Gatehouse } from './app.ts';
import { initStorage } from './storage/orm.ts';
import { clearExpired } from './storage/maintenance.ts';
import { createUser, setPassword, updateProfile, type ProfileUpdate } from './accounts/users.ts';
import { ADDRESS_FIELDS, PROFILE_TEXT_FIELDS } from './accounts/profile.ts';
import { createLogger } from './logger.ts';
import { registerClient } from './oauth2/clients.ts';
import { validateClientInput } from './oauth2/client-registration.ts';
import { registrationPolicy } from './oidc/subject.ts';
import { OPERATOR } from './oauth2/privileges.ts';
import { REGISTRABLE_GRANT_TYPES } from './oauth2/grant-types.ts';
import { RESPONSE_TYPES } from './oauth2/response-types.ts';
import { CLIENT_AUTH_METHOD_NAMES } from './oauth2/client-auth.ts';
import { ACCESS_TOKEN_FORMATS, SIGNING_ALGS, SUBJECT_TYPES } from './oauth2/store.ts';
import { makeMigration } from './storage/make-migration.ts';
import { canonicalResource, validateResourceServer } from './oauth2/resources.ts';

// The accepted values come from the registries (oauth2/grants/index.ts, oauth2/client-auth.ts), dashed as in
// django-oauth-toolkit (both spellings are accepted); a URN is shown as it is.
const GRANT_CHOICES = REGISTRABLE_GRANT_TYPES.map((g) => (g.includes(':') ? g : g.replace(/_/g, '-'))).join(',');

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

const USAGE = `Usage: npm run gatehouse -- <command>
  serve                         start the server (default)
  migrate                       apply database migrations
  createuser <username> [--admin] [--password P] [--email E]
  updateuser <username> [--email E] [--email-verified true|false] [--phone-number-verified true|false]
             [--<claim> VALUE]...  OpenID Connect profile claims; an empty VALUE clears one. Claims:
             ${PROFILE_OPTIONS.filter((o) => o !== 'email').join(' ')}
  setpassword <username> [--password P]   a new password (or GATEHOUSE_PASSWORD, or one printed once);
                                ends the user's browser sessions
  deactivateuser <username>     the user's tokens stop working and their browser sessions end
  endsessions <username>        ends the user's browser sessions
                                (these three send Back-Channel logout tokens to the clients those sessions signed in to)
  createclient --name N --owner USERNAME [--type confidential|public] [--grant-types G,...]
               [--redirect-uris URI,...] [--scopes read,write] [--skip-authorization] [--oauth1] [--rsa-public-key-file F]
               [--post-logout-redirect-uris URI,...] [--backchannel-logout-uri URL] [--backchannel-logout-session-required]
               [--frontchannel-logout-uri URL] [--frontchannel-logout-session-required]
               [--allowed-origins O,...] [--auth-method ${CLIENT_AUTH_METHOD_NAMES.join('|')}]
               [--access-token-format ${ACCESS_TOKEN_FORMATS.join('|')}] [--id-token-alg ${SIGNING_ALGS.join('|')}]
               [--response-types R,...]
               [--userinfo-alg ${SIGNING_ALGS.join('|')}] [--subject-type ${SUBJECT_TYPES.join('|')}] [--sector-identifier-uri URL]
               [--access-token-lifetime S] [--refresh-token-lifetime S] [--authorization-code-lifetime S]
               (seconds, at most ACCESS_TOKEN_MAX_LIFETIME, REFRESH_TOKEN_MAX_LIFETIME, AUTHORIZATION_CODE_MAX_LIFETIME)
               grant types G: ${GRANT_CHOICES}
               response types R: ${RESPONSE_TYPES.join(', ')}
  cleartokens                   delete expired codes, tokens and sessions
  rotatekeys [--force]          OpenID Connect signing keys: next becomes current, current is retired (still
                                published until its tokens expire), a new next key is published. Refused until
                                the next key has been published for 6 minutes (relying parties' caches);
                                --force only when a key is compromised
  createinitialtoken [--multi-use] [--expires-in SECONDS]
                                an RFC 7591 initial access token for REGISTRATION=token, printed once
                                (single-use unless --multi-use; no expiry unless --expires-in)
  listinitialtokens             the initial access tokens that still exist: id, use, expiry, uses (never the token)
  revokeinitialtoken ID         an initial access token stops working at once
  createresource IDENTIFIER --name NAME --scopes S,... [--access-token-format ${ACCESS_TOKEN_FORMATS.join('|')}] [--ttl SECONDS]
                                an RFC 8707 resource server: clients ask tokens for it with resource=IDENTIFIER
  listresources                 the resource servers (identifier, format, scopes)
  deleteresource IDENTIFIER     forget a resource server (tokens already issued keep their audience)
  makemigrations                write a migration for entity changes (development)`;

const out = (line: string) => process.stdout.write(line + '\n');

async function main(argv: string[]): Promise<number> {
  const [command = 'serve', ...rest] = argv;
  // The whole configuration is checked first (every problem listed at once); an app is then given only what the
  // environment sets, and resolves the rest as any createApp() caller's.
  let config: GatehouseConfig;
  let fromEnv: ConfigOverrides;
  try { config = loadConfig(process.env); fromEnv = environmentOverrides(process.env); } catch (e) {
    if (e instanceof ConfigError) { process.stderr.write(e.message + '\n'); return 2; }
    throw e;
  }
  switch (command) {
    case 'serve': return serve(config, fromEnv);
    case 'migrate': {
      const orm = await initStorage(config, { migrate: false });
      const applied = await orm.migrator.up();
      out(applied.length ? `Applied ${applied.length} migration(s): ${applied.map((m) => m.name).join(', ')}` : 'No migrations to apply.');
      await orm.close(true);
      return 0;
    }
    case 'createuser': return withApp(fromEnv, async (app) => {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { admin: { type: 'boolean' }, password: { type: 'string' }, email: { type: 'string' } } });
      const username = positionals[0];
      if (!username) { process.stderr.write(USAGE + '\n'); return 2; }
      const password = values.password ?? process.env.GATEHOUSE_PASSWORD ?? randomBytes(12).toString('base64url');
      const r = await app.withContext(() => createUser(app.stores.users, { username, password, email: values.email, isAdmin: values.admin ?? false }));
      if (!r.ok) { for (const [f, m] of Object.entries(r.errors)) process.stderr.write(`${f}: ${m}\n`); return 1; }
      out(`Created ${r.user.isAdmin ? 'admin ' : ''}user "${r.user.username}" (id ${r.user.id}).`);
      if (!values.password && !process.env.GATEHOUSE_PASSWORD) out(`Password (shown once): ${password}`);
      return 0;
    });
    case 'updateuser': return withApp(fromEnv, async (app) => {
      const options = Object.fromEntries([...PROFILE_OPTIONS, 'email-verified', 'phone-number-verified'].map((o) => [o, { type: 'string' as const }]));
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options });
      const edit = profileEdit(values as Record<string, string | undefined>);
      if (!positionals[0] || typeof edit === 'string') { process.stderr.write(`${typeof edit === 'string' ? edit : USAGE}\n`); return 2; }
      const r = await app.withContext(async () => {
        const found = await app.stores.users.findByUsername(positionals[0]);
        if (!found) return null;
        const { passwordHash: _omit, ...user } = found;
        return updateProfile(app.stores.users, user, edit, true);
      });
      if (!r) { process.stderr.write(`No user "${positionals[0]}".\n`); return 1; }
      if (!r.ok) { for (const [f, m] of Object.entries(r.errors)) process.stderr.write(`${f}: ${m}\n`); return 1; }
      out(`Updated the profile of "${r.user.username}".`);
      return 0;
    });
    case 'setpassword': case 'deactivateuser': case 'endsessions': return withApp(fromEnv, async (app) => {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: command === 'setpassword' ? { password: { type: 'string' } } : {} });
      if (!positionals[0]) { process.stderr.write(`${USAGE}\n`); return 2; }
      const given = (values as { password?: string }).password ?? process.env.GATEHOUSE_PASSWORD;
      const password = given ?? randomBytes(12).toString('base64url');
      const r = await app.withContext(async () => {
        const user = await app.stores.users.findByUsername(positionals[0]);
        if (!user) return `No user "${positionals[0]}".`;
        if (command === 'setpassword') {
          const set = await setPassword(app.stores.users, user.id, password);
          if (!set.ok) return set.errors.password;
          await app.stores.events.record({ type: 'user.password_changed', detail: { id: user.id, by: 'cli' } });
        }
        if (command === 'deactivateuser') {
          await app.stores.users.setActive(user.id, false);
          await app.stores.events.record({ type: 'user.deactivated', detail: { id: user.id, by: 'cli' } });
        }
        const reason = command === 'setpassword' ? 'password_changed' : command === 'deactivateuser' ? 'deactivated' : 'administrator';
        return app.loginSessions.endAllOf(user.id, reason);
      });
      if (typeof r === 'string') { process.stderr.write(`${r}\n`); return 1; }
      // The logout tokens go out before the process ends (retries included).
      await app.backchannel.idle();
      if (command === 'setpassword' && !given) out(`Password (shown once): ${password}`);
      out(`Ended ${r} login session(s) of "${positionals[0]}".`);
      return 0;
    });
    case 'createclient': return withApp(fromEnv, async (app) => {
      const { values } = parseArgs({ args: rest, options: {
        name: { type: 'string' }, owner: { type: 'string' }, type: { type: 'string' }, 'grant-types': { type: 'string' },
        'redirect-uris': { type: 'string' }, scopes: { type: 'string' }, 'skip-authorization': { type: 'boolean' },
        'allowed-origins': { type: 'string' }, 'auth-method': { type: 'string' }, oauth1: { type: 'boolean' }, 'rsa-public-key-file': { type: 'string' },
        'post-logout-redirect-uris': { type: 'string' }, 'backchannel-logout-uri': { type: 'string' }, 'backchannel-logout-session-required': { type: 'boolean' },
        'frontchannel-logout-uri': { type: 'string' }, 'frontchannel-logout-session-required': { type: 'boolean' },
        'access-token-format': { type: 'string' }, 'id-token-alg': { type: 'string' }, 'response-types': { type: 'string' },
        'userinfo-alg': { type: 'string' }, 'subject-type': { type: 'string' }, 'sector-identifier-uri': { type: 'string' },
        'access-token-lifetime': { type: 'string' }, 'refresh-token-lifetime': { type: 'string' }, 'authorization-code-lifetime': { type: 'string' },
      } });
      if (!values.owner) { process.stderr.write('--owner USERNAME is required\n' + USAGE + '\n'); return 2; }
      return app.withContext(async () => {
        const owner = await app.stores.users.findByUsername(values.owner!);
        if (!owner) { process.stderr.write(`No user "${values.owner}".\n`); return 1; }
        const v = await validateClientInput({
          name: values.name, clientType: values.type, grantTypes: values['grant-types'] ?? 'authorization_code',
          redirectUris: values['redirect-uris']?.split(',').join('\n'), allowedScopes: values.scopes, skipAuthorization: values['skip-authorization'],
          allowedOrigins: values['allowed-origins'], tokenEndpointAuthMethod: values['auth-method'], oauth1Enabled: values.oauth1,
          rsaPublicKey: values['rsa-public-key-file'] ? readFileSync(values['rsa-public-key-file'], 'utf8') : undefined,
          postLogoutRedirectUris: values['post-logout-redirect-uris']?.split(',').join('\n'), backchannelLogoutUri: values['backchannel-logout-uri'],
          backchannelLogoutSessionRequired: values['backchannel-logout-session-required'],
          frontchannelLogoutUri: values['frontchannel-logout-uri'], frontchannelLogoutSessionRequired: values['frontchannel-logout-session-required'],
          accessTokenFormat: values['access-token-format'], idTokenSignedResponseAlg: values['id-token-alg'], responseTypes: values['response-types'],
          userinfoSignedResponseAlg: values['userinfo-alg'], subjectType: values['subject-type'], sectorIdentifierUri: values['sector-identifier-uri'],
          // Issue 21: the operator acts as an administrator; validateClientInput bounds each by its maximum.
          accessTokenLifetime: values['access-token-lifetime'], refreshTokenLifetime: values['refresh-token-lifetime'], authorizationCodeLifetime: values['authorization-code-lifetime'],
        }, registrationPolicy(config), { actor: OPERATOR });
        if (!v.ok) { for (const [f, m] of Object.entries(v.errors)) process.stderr.write(`${f}: ${m}\n`); return 1; }
        const { client, clientSecret } = await registerClient(v.value, owner.id, app.clientDeps);
        out(`client_id: ${client.clientId}`);
        if (clientSecret) out(`client_secret: ${clientSecret}\n(the secret is shown only this once)`);
        return 0;
      });
    });
    case 'cleartokens': {
      const orm = await initStorage(config);
      const counts = await clearExpired(orm);
      for (const [table, n] of Object.entries(counts)) out(`${table}: ${n} expired row(s) deleted`);
      await orm.close(true);
      return 0;
    }
    case 'rotatekeys': return withApp(config, async (app) => {
      const force = rest.includes('--force');
      let rotated;
      try { rotated = await app.signingKeys.rotate({ force }); } catch (e) { process.stderr.write(`${(e as Error).message}\n`); return 1; }
      for (const r of rotated) {
        out(`${r.alg}: current ${r.promoted ?? '(unchanged)'}, retired ${r.retired ?? '(none)'}, next ${r.published}${r.deleted ? `, ${r.deleted} expired key(s) deleted` : ''}`);
      }
      return 0;
    });
    case 'createinitialtoken': return withApp(config, async (app) => {
      const { values } = parseArgs({ args: rest, options: { 'multi-use': { type: 'boolean' }, 'expires-in': { type: 'string' } } });
      const expiresIn = values['expires-in'] === undefined ? null : Number(values['expires-in']);
      const problem = initialTokenLifetimeProblem(expiresIn);
      if (problem) { process.stderr.write(`--expires-in: ${problem}\n`); return 2; }
      const issued = await app.withContext(() => issueInitialAccessToken(app.stores.clients, { singleUse: !values['multi-use'], expiresIn, createdBy: null }));
      out(`Initial access token ${issued.id} (shown once): ${issued.token}`);
      if (issued.expiresAt !== null) out(`Expires: ${new Date(issued.expiresAt).toISOString()}`);
      return 0;
    });
    case 'listinitialtokens': return withApp(config, async (app) => {
      const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());
      for (const t of await app.withContext(() => app.stores.clients.initialAccessTokens(1000))) {
        out(`${t.id}\t${t.singleUse ? 'single-use' : 'multi-use'}\tcreated ${iso(t.createdAt)}\texpires ${iso(t.expiresAt)}\tuses ${t.uses}\tlast used ${iso(t.lastUsedAt)}`);
      }
      return 0;
    });
    case 'revokeinitialtoken': return withApp(config, async (app) => {
      const id = Number(rest[0]);
      if (!Number.isInteger(id) || id < 1) { process.stderr.write('usage: revokeinitialtoken ID (from listinitialtokens)\n'); return 2; }
      const revoked = await app.withContext(() => app.stores.clients.revokeInitialAccessToken(id));
      if (!revoked) { process.stderr.write(`No initial access token ${id}.\n`); return 1; }
      await app.withContext(() => app.stores.events.record({ type: 'registration.initial_token_revoked', detail: { id, via: 'cli' } }));
      out(`Initial access token ${id} revoked.`);
      return 0;
    });
    case 'createresource': case 'listresources': case 'deleteresource': return withApp(config, (app) => resourceCommand(app, command, rest));
    case 'makemigrations': {
      const name = await makeMigration(config);
      out(name ? `Wrote ${name}` : 'No changes.');
      return 0;
    }
    case 'help': case '--help': case '-h': out(USAGE); return 0;
    default: process.stderr.write(`Unknown command "${command}".\n${USAGE}\n`); return 2;
  }
}

/** RFC 8707 resource servers, through the admin store (audited like GraphQL's mutations) and the core's one rule. */
async function resourceCommand(app: Gatehouse, command: string, rest: string[]): Promise<number> {
  const admin = app.stores.admin;
  if (command === 'listresources') {
    for (const r of await admin.resourceServers(1000)) out(`${r.identifier}\t${r.accessTokenFormat}\t${r.scopes.join(' ')}\t${r.name}`);
    return 0;
  }
  const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { name: { type: 'string' }, scopes: { type: 'string' }, 'access-token-format': { type: 'string' }, ttl: { type: 'string' } } });
  const identifier = canonicalResource(positionals[0] ?? '');
  if (command === 'deleteresource') {
    const found = (await admin.resourceServers(1000)).find((r) => r.identifier === identifier);
    if (!found || !(await admin.deleteResourceServer(found.id, null))) { process.stderr.write('No resource server has this identifier.\n'); return 1; }
    out(`Deleted ${found.identifier}`);
    return 0;
  }
  const { value, errors } = validateResourceServer({
    identifier: positionals[0], name: values.name ?? positionals[0], scopes: (values.scopes ?? '').split(/[ ,]+/).filter(Boolean),
    accessTokenFormat: values['access-token-format'], accessTokenTtl: values.ttl === undefined ? null : Number(values.ttl),
  }, { knownScopes: Object.keys(app.config.scopes), issuer: app.config.issuer });
  if (!value) { for (const [field, message] of Object.entries(errors)) process.stderr.write(`${field}: ${message}\n`); return 2; }
  const created = await admin.createResourceServer(value, null);
  if (created === 'identifier_taken') { process.stderr.write('identifier: another resource server has this identifier.\n'); return 1; }
  out(`Resource server ${created.identifier} (${created.accessTokenFormat}; scopes: ${created.scopes.join(' ') || '(none)'})`);
  return 0;
}

async function withApp(fromEnv: ConfigOverrides, fn: (app: Gatehouse) => Promise<number>): Promise<number> {
  const app = await createApp({ ...fromEnv, logRequests: false });
  try { return await fn(app); } finally { await app.close(); }
}

async function serve(config: GatehouseConfig, fromEnv: ConfigOverrides): Promise<number> {
  const started = performance.now();
  const logger = createLogger();
  // Without ISSUER the issuer follows the port actually bound (PORT=0 picks one).
  const app = await createApp(fromEnv, { logger });
  await ensureFirstAdmin(app);
  // OpenID Connect signing keys exist before the first request (instances starting together agree, see oidc/keys.ts).
  await app.signingKeys.ensure();
  // Keys sealed under another ENCRYPTION_KEY fail the start by name, not the first sign-in.
  await app.signingKeys.ready();
  const { url } = await app.listen(config.port, config.host);
  logger.info('gatehouse listening', { url, issuer: app.config.issuer, database: config.database.url ? 'postgresql' : config.database.file, readyMs: Math.round(performance.now() - started) });
  out(`Gatehouse is serving on ${url}`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => { logger.info('shutting down', { signal }); resolve(); };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await app.close();
  return 0;
}

/** On the very first start the admin is created; a generated password is printed once, never stored in clear. */
async function ensureFirstAdmin(app: Gatehouse): Promise<void> {
  await app.withContext(async () => {
    if ((await app.stores.users.count()) > 0) return;
    const { username, password: given } = app.config.admin;
    const password = given ?? randomBytes(15).toString('base64url');
    const r = await createUser(app.stores.users, { username, password, isAdmin: true });
    if (!r.ok) throw new Error(`Could not create the first admin: ${JSON.stringify(r.errors)}`);
    out(`Created the first admin user "${username}".`);
    if (!given) out(`Admin password (shown only this once): ${password}`);
  });
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err) => {
  process.stderr.write(`gatehouse: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
