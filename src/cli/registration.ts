// RFC 7591 initial access tokens for REGISTRATION=token: createinitialtoken, listinitialtokens, revokeinitialtoken.
import { parseArgs } from 'node:util';
import { issueInitialAccessToken, initialTokenLifetimeProblem } from '../oauth2/dynamic-registration.ts';
import { fail, out, usageError, withApp, type Command } from './command.ts';

export const createinitialtoken: Command = {
  name: 'createinitialtoken',
  summary: 'an RFC 7591 initial access token for REGISTRATION=token, printed once',
  usage: `Usage: gatehouse createinitialtoken [--multi-use] [--expires-in SECONDS]
  An initial access token for dynamic client registration (REGISTRATION=token), printed once.
  --multi-use            usable for several registrations (single-use otherwise)
  --expires-in SECONDS   60 s to 10 years (no expiry otherwise)`,
  async run({ fromEnv, args }) {
    const { values } = parseArgs({ args, options: { 'multi-use': { type: 'boolean' }, 'expires-in': { type: 'string' } } });
    const expiresIn = values['expires-in'] === undefined ? null : Number(values['expires-in']);
    const problem = initialTokenLifetimeProblem(expiresIn);
    if (problem) return usageError(createinitialtoken, `--expires-in: ${problem}`);
    return withApp(fromEnv, async (app) => {
      const issued = await app.withContext(() => issueInitialAccessToken(app.stores.clients, { singleUse: !values['multi-use'], expiresIn, createdBy: null }));
      out(`Initial access token ${issued.id} (shown once): ${issued.token}`);
      if (issued.expiresAt !== null) out(`Expires: ${new Date(issued.expiresAt).toISOString()}`);
      return 0;
    });
  },
};

export const listinitialtokens: Command = {
  name: 'listinitialtokens',
  summary: 'the initial access tokens that still exist (never the tokens themselves)',
  usage: `Usage: gatehouse listinitialtokens
  One line per initial access token: id, single- or multi-use, created, expires, uses, last used.`,
  async run({ fromEnv }) {
    const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());
    return withApp(fromEnv, async (app) => {
      for (const t of await app.withContext(() => app.stores.clients.initialAccessTokens(1000))) {
        out(`${t.id}\t${t.singleUse ? 'single-use' : 'multi-use'}\tcreated ${iso(t.createdAt)}\texpires ${iso(t.expiresAt)}\tuses ${t.uses}\tlast used ${iso(t.lastUsedAt)}`);
      }
      return 0;
    });
  },
};

export const revokeinitialtoken: Command = {
  name: 'revokeinitialtoken',
  summary: 'an initial access token stops working at once',
  usage: `Usage: gatehouse revokeinitialtoken ID
  ID as listinitialtokens shows it. Audited as registration.initial_token_revoked.`,
  async run({ fromEnv, args }) {
    const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
    const id = Number(positionals[0]);
    if (!Number.isInteger(id) || id < 1) return usageError(revokeinitialtoken, 'revokeinitialtoken needs an ID (from listinitialtokens).');
    return withApp(fromEnv, async (app) => {
      const revoked = await app.withContext(() => app.stores.clients.revokeInitialAccessToken(id));
      if (!revoked) { fail(`No initial access token ${id}.`); return 1; }
      await app.withContext(() => app.stores.events.record({ type: 'registration.initial_token_revoked', detail: { id, via: 'cli' } }));
      out(`Initial access token ${id} revoked.`);
      return 0;
    });
  },
};
