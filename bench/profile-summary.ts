// Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time per function and per source area, and inclusive
// ("total") time of Gatehouse's own functions — where the time of a request path goes.
//
//   node --experimental-strip-types --disable-warning=ExperimentalWarning bench/profile-summary.ts <file.cpuprofile> [top] [skip-first-ms]
import { readFileSync } from 'node:fs';

interface CallFrame { functionName: string; url: string; lineNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; children?: number[] }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

const shortUrl = (url: string) => url.replace(/^file:\/\/.*?\/(node_modules|src|bench)\//, '$1/');

function frameKey(f: CallFrame): string {
  const url = shortUrl(f.url);
  return `${f.functionName || '(anonymous)'}${url ? ` ${url}:${f.lineNumber + 1}` : ''}`;
}

/** Where a frame's code lives: a package, a src/ folder, node core, or a V8 pseudo-frame like (garbage collector). */
function area(f: CallFrame): string {
  const url = shortUrl(f.url);
  if (!url) return f.functionName.startsWith('(') ? f.functionName : '(native)';
  if (url.startsWith('node_modules/')) {
    const parts = url.split('/');
    return parts[1].startsWith('@') ? `${parts[1]}/${parts[2]}` : parts[1];
  }
  if (url.startsWith('src/')) return url.split('/').slice(0, url.split('/').length > 2 ? 2 : 1).join('/');
  if (url.startsWith('node:')) {
    const m = url.replace(/^node:(internal\/)?/, '');
    const group = /^_?http|^_stream|^streams?\b/.test(m) ? (m.includes('http') ? 'http' : 'streams') : m.split(/[/_:]/)[0] || m;
    return `node core: ${group}`;
  }
  return 'other';
}

export interface Summary { totalMs: number; idleMs: number; byArea: [string, number][]; selfByFn: [string, number][]; inclusiveSrc: [string, number][] }

/** `fromMs`: ignore samples taken earlier than this many ms after the profile started (e.g. server startup). */
export function analyse(p: Profile, fromMs = 0): Summary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  let at = 0;
  p.samples.forEach((id, i) => {
    const dt = Math.max(0, p.timeDeltas[i] ?? 0);
    at += dt;
    if (at >= fromMs * 1000) self.set(id, (self.get(id) ?? 0) + dt);
  });
  const add = (m: Map<string, number>, k: string, t: number) => m.set(k, (m.get(k) ?? 0) + t);
  const byArea = new Map<string, number>();
  const selfByFn = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, t] of self) {
    const n = byId.get(id)!;
    total += t;
    if (n.callFrame.functionName === '(idle)') { idle += t; continue; }
    add(byArea, area(n.callFrame), t);
    add(selfByFn, frameKey(n.callFrame), t);
    // Inclusive time of src/ functions: count the sample once per distinct function on its stack.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      if (!shortUrl(f.url).startsWith('src/')) continue;
      const k = frameKey(f);
      if (!seen.has(k)) { seen.add(k); add(inclusive, k, t); }
    }
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return { totalMs: total / 1000, idleMs: idle / 1000, byArea: sorted(byArea), selfByFn: sorted(selfByFn), inclusiveSrc: sorted(inclusive) };
}

export function summarise(file: string, top = 25, fromMs = 0): string {
  const s = analyse(JSON.parse(readFileSync(file, 'utf8')) as Profile, fromMs);
  const busy = s.totalMs - s.idleMs;
  const pct = (ms: number) => `${((100 * ms) / 1000 / busy).toFixed(1)}%`;
  const table = (head: string, rows: [string, number][], n: number) =>
    [`| share of busy time | ${head} |`, '| ---: | --- |', ...rows.slice(0, n).map(([k, t]) => `| ${pct(t)} | \`${k.replace(/\|/g, '\\|')}\` |`)].join('\n');
  return [
    `Profile: ${(s.totalMs / 1000).toFixed(1)} s sampled${fromMs ? ` (from ${(fromMs / 1000).toFixed(1)} s after start: startup excluded)` : ''}, ${(busy / 1000).toFixed(1)} s busy (${((100 * busy) / s.totalMs).toFixed(0)}%), ${(s.idleMs / 1000).toFixed(1)} s idle. Shares below are of busy time.`,
    '',
    '**Self time by area** (package, `src/` folder, node core, V8 pseudo-frames):',
    '',
    table('area', s.byArea, 15),
    '',
    `**Top ${top} functions by self time:**`,
    '',
    table('function', s.selfByFn, top),
    '',
    '**Gatehouse functions by inclusive time** (self + everything they call; a sample counts once per function):',
    '',
    table('function', s.inclusiveSrc, 20),
    '',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(summarise(process.argv[2], Number(process.argv[3] ?? 25), Number(process.argv[4] ?? 0)));
