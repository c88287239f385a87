// Starting and watching the servers under test: pinned to one core when taskset exists, CPU and RSS read from /proc.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

export const ROOT = new URL('..', import.meta.url).pathname;
const NODE_FLAGS: string[] = [];
/**
 * The Node flags `npm start` gives Gatehouse (package.json's start script, expanded by sh with the server's env, so a
 * flag that follows DATABASE_URL follows here too): a 4 MB young generation on SQLite (~35 MB less RSS, same
 * throughput), 16 MB on PostgreSQL (docs/performance.md). BENCH_START_FLAGS replaces them for A/B runs (an empty value
 * runs Node's defaults); it does not reach the start-up measurement through `npm start`.
 */
function startFlags(env: NodeJS.ProcessEnv): string[] {
  if (process.env.BENCH_START_FLAGS !== undefined) return process.env.BENCH_START_FLAGS.split(' ').filter(Boolean);
  const script = (JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { scripts: { start: string } }).scripts.start;
  const flags = / node (.*) src\/main\.ts serve$/.exec(script)?.[1];
  if (flags === undefined) throw new Error(`bench/server.ts cannot read the node flags of npm start: ${script}`);
  return spawnSync('sh', ['-c', `printf '%s\\n' ${flags}`], { env, encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
}
export const HAS_TASKSET = spawnSync('sh', ['-c', 'command -v taskset && taskset -c 1 true'], { encoding: 'utf8' }).status === 0;
export const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;
/** The server runs on this core, the load generator (this process) on the other one. */
export const SERVER_CORE = '1';
export const LOAD_CORE = '0';
export const ADMIN_PASSWORD = 'bench-admin-password';

/**
 * Re-runs the calling script pinned to LOAD_CORE (and exits with its status) unless it already is, so the load
 * generator stays off the server's core. A no-op where taskset is missing.
 */
export function pinThisProcessToLoadCore(): void {
  if (!HAS_TASKSET || process.env.BENCH_PINNED) return;
  const r = spawnSync('taskset', ['-c', LOAD_CORE, process.execPath, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, BENCH_PINNED: '1' } });
  process.exit(r.status ?? 1);
}

/** Gatehouse, bare Koa (bench/baseline.ts) and node-oidc-provider (bench/oidc-provider.ts). */
export type ServerKind = 'gatehouse' | 'baseline' | 'oidc-provider';
/** What start() runs: a server under test, or the `--pg` bench's loopback balancer (bench/balancer.ts). */
export type ProcessKind = ServerKind | 'balancer';

export interface Running { kind: ProcessKind; proc: ChildProcess; pid: number; url: string; startedMs: number }

/** Gatehouse's ISSUER in the bench (a DPoP proof's htu names it). */
export const BENCH_ISSUER = 'https://bench.local';

export function benchEnv(dbFile: string): NodeJS.ProcessEnv {
  return {
    ...process.env, NODE_ENV: 'production', PORT: '0', DB_FILE: dbFile, DATABASE_URL: '', REDIS_URL: '', ISSUER: BENCH_ISSUER, ALLOW_INSECURE_TRANSPORT: 'true',
    SESSION_KEYS: 'bench-session-key-'.padEnd(48, 'k'), SECRET_PEPPER: 'bench-pepper-'.padEnd(48, 'p'), ENCRYPTION_KEY: 'ab'.repeat(32),
    ADMIN_PASSWORD,
    // Production over plain http on loopback is a deploy-check error (ALLOW_INSECURE_TRANSPORT, TRUST_PROXY): the
    // bench measures production code paths, so the check only logs.
    DEPLOY_CHECK: 'warn',
    // As `npm start` sets it: the compile cache is on before src/main.ts is read (see its comment).
    NODE_COMPILE_CACHE: `${ROOT}node_modules/.cache/node-compile-cache`,
  };
}

export interface StartOptions {
  /** Extra node flags, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  /** Pin to SERVER_CORE (default true). Fixture building runs unpinned. */
  pin?: boolean;
  /** Start through `npm start` instead of node directly (what the startup target is about). */
  viaNpm?: boolean;
  timeoutMs?: number;
}

const SCRIPTS: Record<ProcessKind, string[]> = { gatehouse: [`${ROOT}src/main.ts`, 'serve'], baseline: [`${ROOT}bench/baseline.ts`], 'oidc-provider': [`${ROOT}bench/oidc-provider.ts`], balancer: [`${ROOT}bench/balancer.ts`] };

/** Starts `src/main.ts serve` (or a yardstick) and resolves when it prints where it serves. */
export function start(kind: ProcessKind, env: NodeJS.ProcessEnv, o: StartOptions = {}): Promise<Running> {
  const script = SCRIPTS[kind];
  // Gatehouse runs with the flags `npm start` gives it (see package.json), the yardsticks with Node's defaults.
  const flags = kind === 'gatehouse' ? [...startFlags(env), ...NODE_FLAGS] : NODE_FLAGS;
  let argv = o.viaNpm ? ['npm', 'start', '--silent'] : [process.execPath, ...(o.nodeArgs ?? []), ...flags, ...script];
  if (HAS_TASKSET && o.pin !== false) argv = ['taskset', '-c', SERVER_CORE, ...argv];
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    // npm start spawns sh → node; a process group lets stop() reach the real server.
    const proc = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT, detached: !!o.viaNpm });
    let out = '';
    let err = '';
    const timer = setTimeout(() => { killTree(proc, 'SIGKILL'); reject(new Error(`${kind} did not start within ${o.timeoutMs ?? 30_000} ms: ${err}`)); }, o.timeoutMs ?? 30_000);
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /serving on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        const startedMs = performance.now() - t0;
        const pid = o.viaNpm ? findServerPid(proc.pid!) : proc.pid!;
        resolve({ kind, proc, pid, url: m[1].replace('localhost', '127.0.0.1'), startedMs });
      }
    });
    proc.stderr!.on('data', (d) => { err += d; });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${kind} exited ${code}: ${err}`)); });
  });
}

/** Under `npm start` the server is a descendant of the spawned process; find the node process running src/main.ts. */
function findServerPid(root: number): number {
  const ps = spawnSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' }).stdout.split('\n').map((l) => l.trim().split(/\s+/)).filter((p) => p.length > 2);
  const kids = (pid: number): number[] => ps.filter((p) => Number(p[1]) === pid).map((p) => Number(p[0]));
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift()!;
    const row = ps.find((p) => Number(p[0]) === pid);
    if (row && row.slice(2).some((a) => a.endsWith('src/main.ts'))) return pid;
    queue.push(...kids(pid));
  }
  return root;
}

function killTree(proc: ChildProcess, signal: NodeJS.Signals) {
  try { if (proc.spawnargs.includes('npm')) process.kill(-proc.pid!, signal); else proc.kill(signal); } catch { /* already gone */ }
}

/** SIGTERM (Gatehouse closes its database and exits cleanly), SIGKILL after 10 s. */
export function stop(r: Running): Promise<number | null> {
  return new Promise((resolve) => {
    r.proc.removeAllListeners('exit');
    if (r.proc.exitCode !== null) return resolve(r.proc.exitCode);
    const kill = setTimeout(() => killTree(r.proc, 'SIGKILL'), 10_000);
    r.proc.on('exit', (code) => { clearTimeout(kill); resolve(code); });
    killTree(r.proc, 'SIGTERM');
  });
}

/** CPU time (µs) the process has used so far, from /proc/<pid>/stat utime + stime. */
export function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / CLK_TCK) * 1e6;
}

/** VmRSS (current) and VmHWM (peak) of a process, in MB. */
export function memoryMb(pid: number): { rss: number; peak: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(s)?.[1] ?? 0) / 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/**
 * CPU time of the whole machine so far (µs), from the `cpu` line of /proc/stat: `busy` (user, nice, system, irq,
 * softirq) and `steal` (time the hypervisor ran something else while this VM wanted the CPU).
 */
export function machineCpuMicros(): { busy: number; steal: number; serverCoreSteal: number } {
  const lines = readFileSync('/proc/stat', 'utf8').split('\n');
  // user nice system idle iowait irq softirq steal ...
  const fields = (l: string | undefined) => (l ?? '').trim().split(/\s+/).slice(1).map(Number);
  const f = fields(lines[0]);
  const core = fields(lines.find((l) => l.startsWith(`cpu${SERVER_CORE} `)));
  const us = (ticks: number) => ((ticks || 0) / CLK_TCK) * 1e6;
  return { busy: us(f[0] + f[1] + f[2] + f[5] + f[6]), steal: us(f[7]), serverCoreSteal: us(core[7]) };
}

/** Runs a CLI command of Gatehouse (createclient, ...) and returns its stdout. */
export function cli(env: NodeJS.ProcessEnv, ...args: string[]): string {
  const r = spawnSync(process.execPath, [...NODE_FLAGS, `${ROOT}src/main.ts`, ...args], { env, encoding: 'utf8', cwd: ROOT, timeout: 60_000 });
  if (r.status !== 0) throw new Error(`gatehouse ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}
