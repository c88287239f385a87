// Running Gatehouse as its own process, as `npm start` and `npm run gatehouse` do: for the tests that need a real
// process (kill -9, SIGTERM, several instances, the first start, the CLI). In-process tests use createTestApp.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';

/** The CLI entry: the one place tests name it (it moves with issue 18 item 7; only this line follows). */
export const MAIN = new URL('../src/main.ts', import.meta.url).pathname;

const run = promisify(execFile);

/** `gatehouse <args>` to completion; rejects on a non-zero exit (the error carries `code` and `stderr`). */
export const gatehouse = (args: string[], env: NodeJS.ProcessEnv) => run(process.execPath, [MAIN, ...args], { env });

/** The same, synchronously, returning stdout: for a test's set-up (migrate, createuser, createclient). */
export const gatehouseSync = (args: string[], env: NodeJS.ProcessEnv): string => execFileSync(process.execPath, [MAIN, ...args], { env, encoding: 'utf8' });

export interface ServerProcess {
  proc: ChildProcess;
  /** Where it serves, as it printed it ("Gatehouse is serving on <url>"). */
  url: string;
  /** What it printed up to then (a first start prints the admin's password before). */
  stdout: string;
  /** Its exit code, once it has exited. */
  exited: Promise<number | null>;
}

/** Starts `gatehouse serve` and resolves once it says where it serves; rejects with its stderr if it exits first. */
export function spawnServer(env: NodeJS.ProcessEnv): Promise<ServerProcess> {
  const proc = spawn(process.execPath, [MAIN, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    let started = false;
    // Both pipes are read to the end (a full pipe would stall the server); only kept until it has started.
    proc.stderr!.on('data', (d) => { if (!started) stderr += d; });
    proc.stdout!.on('data', (d) => {
      if (started) return;
      stdout += d;
      const m = /serving on (http:\/\/\S+)/.exec(stdout);
      if (m) { started = true; resolve({ proc, url: m[1], stdout, exited }); }
    });
    void exited.then((code) => reject(new Error(`gatehouse serve exited ${code}: ${stderr}`)));
  });
}

/** SIGTERM (what orchestrators send), then its exit code. */
export async function stopServer(server: ServerProcess | undefined): Promise<number | null> {
  if (!server) return null;
  server.proc.kill('SIGTERM');
  return server.exited;
}
