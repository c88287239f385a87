// What every command module shares: the command's shape (its help is part of it), output, and an app for the
// commands that need one. src/cli/run.ts lists the commands and dispatches.
import type { ConfigOverrides, GatehouseConfig } from '../config.ts';
import { createApp, type Gatehouse } from '../app.ts';

export interface CliContext {
  /** The whole configuration, checked (the commands that open storage themselves use it). */
  config: GatehouseConfig;
  /** Only what the environment sets: an app resolves the rest itself (an unset ISSUER then follows the port bound). */
  fromEnv: ConfigOverrides;
  /** The arguments after the command's name. */
  args: string[];
}

export interface Command {
  name: string;
  /** One line for `gatehouse help`. */
  summary: string;
  /** `gatehouse help <name>` and `<name> --help`: the synopsis, then what each option does. */
  usage: string;
  /** Runs without the configuration (help itself). */
  noConfig?: boolean;
  run(ctx: CliContext): Promise<number>;
}

export const out = (line: string): void => { process.stdout.write(line + '\n'); };
export const fail = (line: string): void => { process.stderr.write(line + '\n'); };

/** A refused validation's field errors, one a line, as `field: message`. */
export const failFields = (errors: Record<string, string | undefined>): void => {
  for (const [f, m] of Object.entries(errors)) if (m) fail(`${f}: ${m}`);
};

/** Runs `fn` with a whole app (storage, keys, sessions) that is closed afterwards. */
export async function withApp(fromEnv: ConfigOverrides, fn: (app: Gatehouse) => Promise<number>): Promise<number> {
  const app = await createApp({ ...fromEnv, logRequests: false });
  try { return await fn(app); } finally { await app.close(); }
}

/** A usage error: the message, then the command's usage, exit code 2. */
export function usageError(command: Command, message: string): number {
  fail(`${message}\n\n${command.usage}`);
  return 2;
}
