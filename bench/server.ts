// Starting and watching the servers under test: pinned to one core when taskset exists, CPU and RSS read from /proc.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

const ROOT = new URL('..', import.meta.url).pathname;
const NODE = [process.execPath, '--experimental-strip-types', '--disable-warning=ExperimentalWarning'];
export const HAS_TASKSET = spawnSync('sh', ['-c', 'command -v taskset'], { encoding: 'utf8' }).status === 0;
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

export interface Running { proc: ChildProcess; url: string; startedMs: number }

export function benchEnv(dbFile: string): NodeJS.ProcessEnv {
  return {
    ...process.env, NODE_ENV: 'production', PORT: '0', DB_FILE: dbFile, ISSUER: 'https://bench.local', ALLOW_INSECURE_TRANSPORT: 'true',
    SESSION_KEYS: 'bench-session-key-'.padEnd(48, 'k'), SECRET_PEPPER: 'bench-pepper-'.padEnd(48, 'p'), ENCRYPTION_KEY: 'ab'.repeat(32),
    ADMIN_PASSWORD: 'bench-admin-password', LOGIN_LIMIT_PER_USERNAME: '1000000', LOGIN_LIMIT_PER_IP: '1000000',
  };
}

/** Starts `src/main.ts serve` (or the baseline) on core 1 and resolves when it prints where it serves. */
export function start(kind: 'gatehouse' | 'baseline', env: NodeJS.ProcessEnv, extraNodeArgs: string[] = []): Promise<Running> {
  const script = kind === 'gatehouse' ? [`${ROOT}src/main.ts`, 'serve'] : [`${ROOT}bench/baseline.ts`];
  const argv = [...NODE.slice(0, 1), ...extraNodeArgs, ...NODE.slice(1), ...script];
  const cmd = HAS_TASKSET ? ['taskset', '-c', '1', ...argv] : argv;
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd[0], cmd.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT });
    let out = '';
    let err = '';
    const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`${kind} did not start: ${err}`)); }, 20_000);
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /serving on (http:\/\/\S+)/.exec(out);
      if (m) { clearTimeout(timer); resolve({ proc, url: m[1].replace('localhost', '127.0.0.1'), startedMs: performance.now() - t0 }); }
    });
    proc.stderr!.on('data', (d) => { err += d; });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${kind} exited ${code}: ${err}`)); });
  });
}

export function stop(r: Running): Promise<void> {
  return new Promise((resolve) => {
    r.proc.removeAllListeners('exit');
    const kill = setTimeout(() => r.proc.kill('SIGKILL'), 5000);
    r.proc.on('exit', () => { clearTimeout(kill); resolve(); });
    r.proc.kill('SIGTERM');
  });
}

/** CPU time (µs) the process has used so far, from /proc/<pid>/stat utime + stime. */
export function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / CLK_TCK) * 1e6;
}

export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

/** Runs a CLI command of Gatehouse (migrate, createclient, ...) and returns its stdout. */
export function cli(env: NodeJS.ProcessEnv, ...args: string[]): string {
  const r = spawnSync(NODE[0], [...NODE.slice(1), `${ROOT}src/main.ts`, ...args], { env, encoding: 'utf8', cwd: ROOT });
  if (r.status !== 0) throw new Error(`gatehouse ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}
