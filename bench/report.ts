// Results as a markdown table and a hand-written SVG plot (no plotting dependency).

export interface Row {
  scenario: string;
  stored: number;
  connections: number;
  gatehouse: { rps: number; p50: number; p99: number; cpuUsPerReq: number; rssMb: number; non2xx: number };
  baseline: { rps: number; p50: number; p99: number; cpuUsPerReq: number; rssMb: number } | null;
}

const f0 = (n: number) => Math.round(n).toLocaleString('en-US');
const f1 = (n: number) => n.toFixed(1);

export function markdown(rows: Row[], meta: { command: string; machine: string; startupMs: number[]; rounds: number }): string {
  const lines = [
    `Command: \`${meta.command}\`  `,
    `Machine: ${meta.machine}  `,
    `Median of ${meta.rounds} alternating round(s); server pinned to one core. \`npm start\` ready on an existing database: ${meta.startupMs.map((m) => `${Math.round(m)} ms`).join(', ')}.`,
    '',
    '| scenario | stored tokens | conns | Gatehouse req/s | p50 ms | p99 ms | CPU µs/req | RSS MB | bare Koa req/s | bare p99 ms | ratio |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    const b = r.baseline;
    lines.push(`| ${r.scenario}${r.gatehouse.non2xx ? ` (${r.gatehouse.non2xx} non-2xx)` : ''} | ${f0(r.stored)} | ${r.connections} | ${f0(r.gatehouse.rps)} | ${f1(r.gatehouse.p50)} | ${f1(r.gatehouse.p99)} | ${f0(r.gatehouse.cpuUsPerReq)} | ${f0(r.gatehouse.rssMb)} | ${b ? f0(b.rps) : '—'} | ${b ? f1(b.p99) : '—'} | ${b ? `${(r.gatehouse.rps / b.rps).toFixed(2)}×` : '—'} |`);
  }
  return lines.join('\n') + '\n';
}

/** Throughput and p99 against connections for one scenario, Gatehouse beside the baseline. */
export function svg(rows: Row[], scenario: string): string {
  const pts = rows.filter((r) => r.scenario === scenario).sort((a, b) => a.connections - b.connections);
  const W = 720, H = 300, pad = 50;
  const conns = pts.map((p) => p.connections);
  const x = (i: number) => pad + (i * (W / 2 - pad * 1.5)) / Math.max(1, conns.length - 1);
  const panel = (title: string, left: number, get: (r: Row) => [number, number]) => {
    const max = Math.max(1, ...pts.flatMap((p) => get(p)));
    const y = (v: number) => H - pad - (v / max) * (H - pad * 2);
    const line = (k: 0 | 1, color: string) => `<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map((p, i) => `${left + x(i)},${y(get(p)[k])}`).join(' ')}"/>`;
    const ticks = conns.map((c, i) => `<text x="${left + x(i)}" y="${H - pad + 16}" font-size="11" text-anchor="middle">${c}</text>`).join('');
    return `<g><text x="${left + W / 4}" y="20" font-size="13" text-anchor="middle">${title}</text>${line(0, '#1f5fbf')}${line(1, '#999')}${ticks}
      <text x="${left + pad - 6}" y="${pad}" font-size="10" text-anchor="end">${Math.round(max)}</text><text x="${left + W / 4}" y="${H - 8}" font-size="11" text-anchor="middle">connections</text></g>`;
  };
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">
  <rect width="100%" height="100%" fill="#fff"/>
  ${panel(`${scenario}: req/s`, 0, (r) => [r.gatehouse.rps, r.baseline?.rps ?? 0])}
  ${panel('p99 latency (ms)', W / 2, (r) => [r.gatehouse.p99, r.baseline?.p99 ?? 0])}
  <text x="${pad}" y="${H - 24}" font-size="11" fill="#1f5fbf">— Gatehouse</text><text x="${pad + 90}" y="${H - 24}" font-size="11" fill="#999">— bare Koa</text>
</svg>\n`;
}
