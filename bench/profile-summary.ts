// Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time per function, and per source area.
import { readFileSync } from 'node:fs';

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[] }

export function summarise(file: string, top = 25): string {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byFn = new Map<string, number>();
  const byArea = new Map<string, number>();
  for (const n of p.nodes) {
    const t = self.get(n.id) ?? 0;
    if (!t) continue;
    const url = n.callFrame.url.replace(/^file:\/\/.*?\/(node_modules|src)\//, '$1/');
    const key = `${n.callFrame.functionName || '(anonymous)'} ${url ? `${url}:${n.callFrame.lineNumber + 1}` : ''}`.trim();
    byFn.set(key, (byFn.get(key) ?? 0) + t);
    const area = !url ? (n.callFrame.functionName.startsWith('(') ? n.callFrame.functionName : 'native') : url.startsWith('node_modules/') ? url.split('/').slice(1, url.split('/')[1].startsWith('@') ? 3 : 2).join('/') : url.startsWith('src/') ? url.split('/').slice(0, 2).join('/') : url.startsWith('node:') ? 'node core' : 'other';
    byArea.set(area, (byArea.get(area) ?? 0) + t);
  }
  const pct = (t: number) => `${((100 * t) / total).toFixed(1)}%`;
  const rows = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, t]) => `| ${pct(t)} | \`${k}\` |`).join('\n');
  return `Self time by area:\n\n| share | area |\n| ---: | --- |\n${rows(byArea, 15)}\n\nTop functions by self time:\n\n| share | function |\n| ---: | --- |\n${rows(byFn, top)}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(summarise(process.argv[2]));
