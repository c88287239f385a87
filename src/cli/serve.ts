// `gatehouse serve` (what `npm start` runs): the first admin, the signing keys, in production the deploy check, then
// the listener, until SIGTERM or SIGINT.
import { randomBytes } from 'node:crypto';
import type { Gatehouse } from '../app.ts';
import { createApp } from '../app.ts';
import { createUser } from '../accounts/users.ts';
import { createLogger, type Logger } from '../logger.ts';
import { formatFindings, hasErrors } from '../config/deploy-check.ts';
import { findings } from './check.ts';
import { fail, out, type Command } from './command.ts';

export const serve: Command = {
  name: 'serve',
  summary: 'start the server (what `npm start` runs)',
  usage: `Usage: gatehouse serve
  Migrates the database, creates the first admin on the first start (ADMIN_USERNAME, ADMIN_PASSWORD or a password
  printed once), and listens on HOST:PORT (HOST: 127.0.0.1 outside production unless set; 0.0.0.0 for all
  interfaces). With NODE_ENV=production it first runs \`check --deploy\`: an error stops the start unless
  DEPLOY_CHECK=warn. SIGTERM or SIGINT closes the listener and the database, then exits 0.`,
  async run({ config, fromEnv }) {
    // Installed first: a signal during the start is kept and honoured once the start is over, never a kill mid-way.
    let stop!: (signal: string) => void;
    const stopped = new Promise<string>((resolve) => { stop = resolve; });
    const onSignal = (signal: string) => () => stop(signal);
    process.once('SIGTERM', onSignal('SIGTERM'));
    process.once('SIGINT', onSignal('SIGINT'));
    const started = performance.now();
    const logger = createLogger();
    // Without ISSUER the issuer follows the port actually bound (PORT=0 picks one).
    const app = await createApp(fromEnv, { logger });
    try {
      await ensureFirstAdmin(app);
      // OpenID Connect signing keys exist before the first request (instances starting together agree, see oidc/keys.ts).
      await app.signingKeys.ensure();
      if (config.env === 'production' && !(await deployCheckAllows(app, logger))) return 1;
      // Keys sealed under another ENCRYPTION_KEY fail the start by name, not the first sign-in.
      await app.signingKeys.ready();
      // Development listens on the loopback interface only, unless HOST says otherwise.
      const host = config.host ?? (config.env === 'production' ? undefined : '127.0.0.1');
      const { url } = await app.listen(config.port, host);
      logger.info('gatehouse listening', { url, host: host ?? 'all interfaces', issuer: app.config.issuer, database: config.database.url ? 'postgresql' : config.database.file, readyMs: Math.round(performance.now() - started) });
      out(`Gatehouse is serving on ${url}`);
      logger.info('shutting down', { signal: await stopped });
    } finally {
      await app.close();
    }
    // Deterministic: whatever timer or socket is left (a back-channel retry), the process ends here with 0.
    process.exit(0);
  },
};

/** The deploy check in production: findings logged; false (after printing them) when an error stops the start. */
async function deployCheckAllows(app: Gatehouse, logger: Logger): Promise<boolean> {
  const found = await findings(app.config, app.orm);
  for (const f of found) logger.warn('deploy check', { id: f.id, severity: f.severity, message: f.message, fix: f.fix });
  if (!hasErrors(found) || app.config.deployCheck === 'warn') return true;
  fail(`${formatFindings(found)}\nGatehouse does not start with these errors in production (DEPLOY_CHECK=warn would start anyway).`);
  return false;
}

/** On the very first start the admin is created; a generated password is printed once, never stored in clear. */
async function ensureFirstAdmin(app: Gatehouse): Promise<void> {
  await app.withContext(async () => {
    if ((await app.stores.users.count()) > 0) return;
    const { username, password: given } = app.config.admin;
    const password = given ?? randomBytes(15).toString('base64url');
    // Marked initial: `check --deploy` warns until someone changes it (W003).
    const r = await createUser(app.stores.users, { username, password, isAdmin: true, initialPassword: true });
    if (!r.ok) throw new Error(`Could not create the first admin: ${JSON.stringify(r.errors)}`);
    out(`Created the first admin user "${username}".`);
    if (!given) out(`Admin password (shown only this once): ${password}`);
  });
}
