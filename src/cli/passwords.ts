// Passwords: setpassword (given or generated, for scripts) and changepassword (typed twice, like Django's).
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { setPassword } from '../accounts/users.ts';
import type { Gatehouse } from '../app.ts';
import { fail, out, usageError, withApp, type Command } from './command.ts';
import { endSessionsAfter } from './users.ts';

/** Sets the password through the one rule (strength; the first admin's initial mark goes), audited; then sessions end. */
const change = (app: Gatehouse, username: string, password: string) => endSessionsAfter(app, username, 'password_changed', async (id) => {
  const set = await setPassword(app.stores.users, id, password);
  if (!set.ok) return set.errors.password ?? 'The password was refused.';
  await app.stores.events.record({ type: 'user.password_changed', detail: { id, by: 'cli' } });
  return null;
});

export const setpassword: Command = {
  name: 'setpassword',
  summary: 'give a user a new password (given, or generated and printed once)',
  usage: `Usage: gatehouse setpassword USERNAME [--password P]
  A new password: P, else GATEHOUSE_PASSWORD, else one generated and printed once. Ends the user's browser
  sessions (the clients they signed in to receive Back-Channel logout tokens). To type it, use changepassword.`,
  async run({ fromEnv, args }) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { password: { type: 'string' } } });
    if (!positionals[0]) return usageError(setpassword, 'setpassword needs a USERNAME.');
    const given = values.password ?? process.env.GATEHOUSE_PASSWORD;
    const password = given ?? randomBytes(12).toString('base64url');
    return withApp(fromEnv, async (app) => {
      const code = await change(app, positionals[0], password);
      if (code === 0 && !given) out(`Password (shown once): ${password}`);
      return code;
    });
  },
};

export const changepassword: Command = {
  name: 'changepassword',
  summary: 'change a user\'s password, typed twice (or read from stdin)',
  usage: `Usage: gatehouse changepassword USERNAME [--password-stdin]
  On a terminal, asks for the new password twice without echoing it. Otherwise (a pipe), or with --password-stdin,
  reads it from the first line of standard input, so it never appears in the process list or shell history:
    printf '%s\\n' "$NEW_PASSWORD" | gatehouse changepassword alice
  Ends the user's browser sessions (the clients they signed in to receive Back-Channel logout tokens).`,
  async run({ fromEnv, args }) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { 'password-stdin': { type: 'boolean' } } });
    if (!positionals[0]) return usageError(changepassword, 'changepassword needs a USERNAME.');
    let password: string;
    if (values['password-stdin'] || !process.stdin.isTTY) {
      password = (await readAll(process.stdin)).split(/\r?\n/)[0];
      if (!password) { fail('No password on standard input.'); return 1; }
    } else {
      password = await promptHidden(`Password for "${positionals[0]}": `);
      if (password !== await promptHidden('Password (again): ')) { fail('The passwords do not match; nothing changed.'); return 1; }
    }
    return withApp(fromEnv, (app) => change(app, positionals[0], password));
  },
};

async function readAll(stream: NodeJS.ReadStream): Promise<string> {
  let text = '';
  stream.setEncoding('utf8');
  for await (const chunk of stream) text += chunk as string;
  return text;
}

/** One line from the terminal, not echoed; Ctrl-C aborts with exit code 130. */
function promptHidden(prompt: string): Promise<string> {
  const { stdin, stderr } = process;
  stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve) => {
    let typed = '';
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\u0003') { stdin.setRawMode(false); stderr.write('\n'); process.exit(130); }
        if (ch === '\r' || ch === '\n') {
          stdin.off('data', onData);
          stdin.setRawMode(false);
          stdin.pause();
          stderr.write('\n');
          resolve(typed);
          return;
        }
        typed = ch === '\u007f' || ch === '\b' ? typed.slice(0, -1) : typed + ch;
      }
    };
    stdin.on('data', onData);
  });
}
