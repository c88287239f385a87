// The command line (`npm run gatehouse -- <command>`, the package's `gatehouse` bin; `npm start` runs `serve`):
// the list of commands, help, and the dispatch. Each command lives in the module of its group.
import { loadConfig, environmentOverrides, ConfigError, type ConfigOverrides, type GatehouseConfig } from '../config.ts';
import { fail, out, type Command } from './command.ts';
import { check } from './check.ts';
import { serve } from './serve.ts';
import { cleartokens, makemigrations, migrate, rotatekeys } from './maintenance.ts';
import { createuser, deactivateuser, endsessions, updateuser } from './users.ts';
import { changepassword, setpassword } from './passwords.ts';
import { createclient } from './clients.ts';
import { createinitialtoken, listinitialtokens, revokeinitialtoken } from './registration.ts';
import { createresource, deleteresource, listresources } from './resources.ts';

const help: Command = {
  name: 'help',
  summary: 'this list, or one command\'s help: gatehouse help COMMAND',
  usage: 'Usage: gatehouse help [COMMAND]\n  Lists the commands, or shows one command\'s help (as `gatehouse COMMAND --help` does).',
  noConfig: true,
  async run({ args }) {
    if (!args[0]) { out(overview()); return 0; }
    const command = COMMANDS.find((c) => c.name === args[0]);
    if (!command) { fail(`Unknown command "${args[0]}".\n\n${overview()}`); return 2; }
    out(command.usage);
    return 0;
  },
};

const GROUPS: [string, Command[]][] = [
  ['Server', [serve, check, migrate, cleartokens, rotatekeys, makemigrations]],
  ['Users', [createuser, updateuser, changepassword, setpassword, deactivateuser, endsessions]],
  ['Clients', [createclient, createinitialtoken, listinitialtokens, revokeinitialtoken]],
  ['Resource servers (RFC 8707)', [createresource, listresources, deleteresource]],
  ['Help', [help]],
];
const COMMANDS = GROUPS.flatMap(([, commands]) => commands);

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  const groups = GROUPS.map(([title, commands]) => [`${title}:`, ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`)].join('\n'));
  return ['Usage: npm run gatehouse -- COMMAND [options]   (the installed package: gatehouse COMMAND)', '', ...groups.flatMap((g) => [g, '']),
    'gatehouse COMMAND --help (or gatehouse help COMMAND) shows a command\'s options. Settings come from the environment (README, Configuration).'].join('\n');
}

/** Runs one command line; resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  // No command is a question, not a start: the server starts only when asked (`npm start` says `serve`).
  if (name === undefined || name === '--help' || name === '-h') { out(overview()); return 0; }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) { fail(`Unknown command "${name}".\n\n${overview()}`); return 2; }
  if (args.includes('--help') || args.includes('-h')) { out(command.usage); return 0; }
  // The whole configuration is checked first (every problem listed at once); an app is then given only what the
  // environment sets, and resolves the rest as any createApp() caller's.
  let config = undefined as unknown as GatehouseConfig;
  let fromEnv: ConfigOverrides = {};
  if (!command.noConfig) {
    try { config = loadConfig(process.env); fromEnv = environmentOverrides(process.env); } catch (e) {
      if (e instanceof ConfigError) { fail(e.message); return 2; }
      throw e;
    }
  }
  try {
    return await command.run({ config, fromEnv, args });
  } catch (e) {
    // node:util parseArgs: an unknown option, a missing value, a stray argument.
    if ((e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) { fail(`${(e as Error).message}\n\n${command.usage}`); return 2; }
    throw e;
  }
}
