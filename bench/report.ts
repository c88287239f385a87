// Results as markdown tables and a hand-written SVG plot (no plotting dependency).

export interface Sample {
  rps: number;
  p50: number;
  p99: number;
  /** Server CPU (utime + stime from /proc/<pid>/stat) per request, µs. */
  cpuUsPerReq: number;
  /** VmRSS after the run, and VmHWM (peak), MB. */
  rssMb: number;
  peakMb: number;
  total: number;
  non2xx: number;
  errors: number;
  /** CPU used on the machine by neither server nor load generator during the run, % of all cores (noise). */
  otherCpuPct: number;
  /** Steal time during the run (the hypervisor ran something else while this VM wanted the CPU), % of the server's core when pinned, else of all cores (noise). */
  stealPct: number;
}

export interface Row {
  scenario: string;
  scenarioId: string;
  stored: number;
  connections: number;
  gatehouse: Sample;
  baseline: Sample | null;
  /** Every round's req/s, in run order, to show the spread behind the median. */
  gatehouseRounds: number[];
  baselineRounds: number[];
  /** node-oidc-provider on the same scenario (bench/oidc-provider.ts), where measured. */
  oidcProvider?: Sample | null;
  oidcProviderRounds?: number[];
}

export interface Startup { stored: number; npmStartMs: number[]; nodeMs: number[] }

export interface Meta {
  command: string;
  machine: string;
  /** Gatehouse source measured: commit, and whether src/ had uncommitted changes. */
  source: string;
  rounds: number;
  duration: number;
  /** Requests sent to each fresh server before its measurement (at most warmMaxSeconds), not counted. */
  warmRequests?: number;
  warmMaxSeconds?: number;
  date: string;
  totalSeconds: number;
  fixtures: { stored: number; accessRows: number; refreshRows: number; clients: number; sizeMb: number; minted: number; refreshPool: number }[];
  startup: Startup[];
}

const f0 = (n: number) => Math.round(n).toLocaleString('en-US');
const f1 = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN; };
export const ratio = (r: Row) => (r.baseline && r.baseline.rps > 0 ? r.gatehouse.rps / r.baseline.rps : NaN);
const x2 = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}×` : '—');
/**
 * Round by round, a / b: the two were measured back to back, so a drift of the machine's speed hits both alike.
 * Empty unless every round has a positive pair (a failed round falls back to the ratio of medians).
 */
const perRound = (a: number[], b: number[]) => {
  const r = a.length === b.length ? a.map((x, i) => x / b[i]) : [];
  return r.every((x) => Number.isFinite(x) && x > 0) ? r : [];
};
/** Gatehouse ÷ bare Koa in each round. */
export const roundRatios = (r: Row) => perRound(r.gatehouseRounds, r.baselineRounds);
/** Gatehouse ÷ node-oidc-provider: the ratio of medians, and in each round. */
const providerRatio = (r: Row) => (r.oidcProvider && r.oidcProvider.rps > 0 ? r.gatehouse.rps / r.oidcProvider.rps : NaN);
const providerRoundRatios = (r: Row) => perRound(r.gatehouseRounds, r.oidcProviderRounds ?? []);
const withProvider = (rows: Row[]) => rows.some((r) => r.oidcProvider);
/**
 * The judged figure: the median of the per-round ratios, since each round's two servers ran back to back while
 * the machine's speed drifts up to 2× between rounds. The ratio of the two medians is reported beside it.
 */
const judged = (ratios: number[], ofMedians: number, also = '') =>
  ratios.length > 1 ? { value: median(ratios), text: `${x2(median(ratios))} (rounds ${ratios.map(x2).join(', ')}; ratio of medians ${x2(ofMedians)}${also})` } : { value: ofMedians, text: x2(ofMedians) };

export function resultsTable(rows: Row[]): string {
  // node-oidc-provider's columns appear when a scenario measured it, beside the bare-Koa ratio.
  const p = withProvider(rows);
  const lines = [
    `| scenario | stored tokens | conns | Gatehouse req/s | p50 ms | p99 ms | CPU µs/req | RSS MB (peak) | bare Koa req/s | bare p99 ms | bare CPU µs/req | ratio |${p ? ' oidc-provider req/s | oidc-provider p99 ms | oidc-provider CPU µs/req | ÷ oidc-provider |' : ''} other CPU % | server-core steal % |`,
    `| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |${p ? ' ---: | ---: | ---: | ---: |' : ''} ---: | ---: |`,
  ];
  for (const r of rows) {
    const g = r.gatehouse, b = r.baseline, o = r.oidcProvider;
    const bad = g.non2xx + g.errors;
    const provider = p ? ` ${o ? f0(o.rps) : '—'} | ${o ? f1(o.p99) : '—'} | ${o ? f0(o.cpuUsPerReq) : '—'} | ${x2(providerRatio(r))} |` : '';
    lines.push(`| ${r.scenario}${bad ? ` (${bad} non-2xx/errors)` : ''} | ${f0(r.stored)} | ${r.connections} | ${f0(g.rps)} | ${f1(g.p50)} | ${f1(g.p99)} | ${f0(g.cpuUsPerReq)} | ${f0(g.rssMb)} (${f0(g.peakMb)}) | ${b ? f0(b.rps) : '—'} | ${b ? f1(b.p99) : '—'} | ${b ? f0(b.cpuUsPerReq) : '—'} | ${x2(ratio(r))} |${provider} ${f0(g.otherCpuPct)} | ${f0(g.stealPct)} |`);
  }
  return lines.join('\n');
}

export function roundsTable(rows: Row[]): string {
  const p = withProvider(rows);
  const lines = [`| scenario | stored | conns | Gatehouse req/s per round | bare Koa req/s per round | ratio per round |${p ? ' oidc-provider req/s per round | ÷ oidc-provider per round |' : ''}`, `| --- | ---: | ---: | --- | --- | --- |${p ? ' --- | --- |' : ''}`];
  for (const r of rows) {
    const provider = p ? ` ${r.oidcProviderRounds?.map(f0).join(', ') || '—'} | ${providerRoundRatios(r).map(x2).join(', ') || '—'} |` : '';
    lines.push(`| ${r.scenario} | ${f0(r.stored)} | ${r.connections} | ${r.gatehouseRounds.map(f0).join(', ')} | ${r.baselineRounds.map(f0).join(', ') || '—'} | ${roundRatios(r).map(x2).join(', ') || '—'} |${provider}`);
  }
  return lines.join('\n');
}

export interface Target { target: string; measured: string; met: boolean | null }

export function targets(rows: Row[], meta: Meta, mainConns: number): Target[] {
  const small = Math.min(...rows.map((r) => r.stored));
  const large = Math.max(...rows.map((r) => r.stored));
  const at = (id: string, stored: number, conns = mainConns) => rows.find((r) => r.scenarioId === id && r.stored === stored && r.connections === conns);
  const out: Target[] = [];
  const ratioTarget = (id: string, label: string, min: number) => {
    const r = at(id, small);
    if (!r) return;
    const j = judged(roundRatios(r), ratio(r));
    out.push({ target: `${label} ≥ ${min.toFixed(2)}× bare Koa`, measured: j.text, met: j.value >= min });
  };
  ratioTarget('client_credentials', 'token issuance (client_credentials)', 0.6);
  ratioTarget('introspect', 'introspection', 0.75);
  ratioTarget('hello', '/api/hello', 0.75);
  // Issue 19: JWT access tokens (RFC 9068) cost at most a fifth of opaque issuance, measured in the same round.
  const jwt = at('client_credentials_jwt', small), opaque = at('client_credentials', small);
  if (jwt && opaque) {
    const j = judged(perRound(jwt.gatehouseRounds, opaque.gatehouseRounds), jwt.gatehouse.rps / opaque.gatehouse.rps);
    out.push({ target: `${jwt.scenario} ≥ 0.80× Gatehouse's opaque client_credentials`, measured: j.text, met: j.value >= 0.8 });
  }
  // Issue 19: the OpenID Connect code flow at twice node-oidc-provider's rate, JWT issuance at least at its rate;
  // opaque token issuance beside them, not judged. Issue 20: RFC 8628 pending polls at least at its rate.
  // Issue 22: DPoP-bound client_credentials at 1.5× its rate with its dPoP feature on.
  for (const [id, min, label] of [['oidc_code', 2, null], ['client_credentials_jwt', 1, null], ['client_credentials_dpop', 1.5, null], ['client_credentials', null, null], ['device_pending', 1, 'device-flow pending polls']] as const) {
    const r = rows.find((x) => x.scenarioId === id && x.oidcProvider);
    if (!r) continue;
    const j = judged(providerRoundRatios(r), providerRatio(r));
    const name = label ?? r.scenario;
    out.push({ target: min ? `${name} ≥ ${min.toFixed(2)}× node-oidc-provider` : `${name} against node-oidc-provider (no target)`, measured: j.text, met: min ? j.value >= min : null });
  }
  // Every size: the p99 target names no size.
  for (const r of rows.filter((x) => x.connections === 50)) out.push({ target: `p99 < 40 ms at 50 connections: ${r.scenario}${large > small ? ` (${f0(r.stored)} stored)` : ''}`, measured: `${f1(r.gatehouse.p99)} ms`, met: r.gatehouse.p99 < 40 });
  if (large > small) {
    for (const r of rows.filter((x) => x.stored === large)) {
      const s = at(r.scenarioId, small, r.connections);
      // The sizes of one scenario are measured back to back in each round, so their rounds pair up too.
      if (!s) continue;
      // Shown beside, not judged: the same comparison with each size taken against the bare Koa measured next to it,
      // which takes out a change of the machine's speed between the two sizes' measurements.
      const steady = perRound(roundRatios(r), roundRatios(s));
      const also = steady.length > 1 ? `; against bare Koa at each size ${x2(median(steady))} (rounds ${steady.map(x2).join(', ')})` : '';
      const j = judged(perRound(r.gatehouseRounds, s.gatehouseRounds), r.gatehouse.rps / s.gatehouse.rps, also);
      out.push({ target: `throughput at ${f0(large)} ≥ 0.90× of at ${f0(small)}: ${r.scenario}`, measured: j.text, met: j.value >= 0.9 });
    }
    const rss = Math.max(...rows.filter((x) => x.stored === large).map((x) => x.gatehouse.rssMb));
    const peak = Math.max(...rows.filter((x) => x.stored === large).map((x) => x.gatehouse.peakMb));
    out.push({ target: `RSS < 200 MB with ${f0(large)} tokens`, measured: `${f0(rss)} MB after load (peak ${f0(peak)} MB)`, met: rss < 200 });
  } else {
    out.push({ target: 'throughput at 1M tokens ≥ 0.90× of at 10k', measured: 'not measured (run with --large)', met: null });
    out.push({ target: 'RSS < 200 MB with 1M tokens', measured: `not measured (run with --large); at ${f0(small)}: ${f0(Math.max(...rows.map((x) => x.gatehouse.rssMb)))} MB`, met: null });
  }
  for (const s of meta.startup) {
    const m = median(s.npmStartMs);
    out.push({ target: `\`npm start\` ready < 1 s on an existing DB (${f0(s.stored)} tokens)`, measured: `${f0(m)} ms median (${s.npmStartMs.map(f0).join(', ')})${s.nodeMs.length ? `; node directly ${f0(median(s.nodeMs))} ms (${s.nodeMs.map(f0).join(', ')})` : ''}`, met: m < 1000 });
  }
  return out;
}

export function markdown(rows: Row[], meta: Meta, mainConns: number): string {
  const t = targets(rows, meta, mainConns);
  return [
    `Command: \`${meta.command}\` (${meta.date}, took ${Math.round(meta.totalSeconds)} s)  `,
    `Machine: ${meta.machine}  `,
    `Source: ${meta.source}  `,
    `Median of ${meta.rounds} alternating round(s) of ${meta.duration} s per measurement; every measurement starts a fresh server (Gatehouse on a fresh copy of the seeded database)${meta.warmRequests ? `, warmed up with ${f0(meta.warmRequests)} requests of the same scenario (at most ${meta.warmMaxSeconds} s) that are not counted` : ''}. The table's ratio divides the two medians; the targets judge the median of the per-round ratios (each round's pair ran back to back), with the rounds and the ratio of medians beside it.`,
    '',
    `Fixtures: ${meta.fixtures.map((f) => `${f0(f.stored)} → access_tokens ${f0(f.accessRows)} rows, refresh_tokens ${f0(f.refreshRows)} rows (refresh pool ${f0(f.refreshPool)}, of which ${f.minted} from real password grants), ${f.clients} clients, ${f0(f.sizeMb)} MB`).join('; ')}.`,
    '',
    resultsTable(rows),
    '',
    '### Targets',
    '',
    '| target | measured | met |',
    '| --- | --- | :---: |',
    ...t.map((x) => `| ${x.target} | ${x.measured} | ${x.met === null ? 'n/a' : x.met ? 'yes' : '**no**'} |`),
    '',
    '### Per-round req/s (spread behind the medians)',
    '',
    roundsTable(rows),
    '',
  ].join('\n');
}

/** Throughput and p99 against connections for one scenario, Gatehouse beside the baseline, log-spaced x axis. */
export function svg(rows: Row[], scenarioId: string, stored: number): string {
  const pts = rows.filter((r) => r.scenarioId === scenarioId && r.stored === stored).sort((a, b) => a.connections - b.connections);
  if (!pts.length) return '';
  return plot(pts[0].scenario, [
    { label: 'bare Koa + @koa/router + koa-bodyparser', color: '#9a9a9a', points: pts.filter((p) => p.baseline).map((p) => ({ connections: p.connections, sample: p.baseline! })) },
    { label: `Gatehouse (${f0(stored)} stored tokens, one core)`, color: '#1f5fbf', points: pts.map((p) => ({ connections: p.connections, sample: p.gatehouse })) },
  ]);
}

/** One line of a plot: a sample per connection count. */
export interface Series { label: string; color: string; points: { connections: number; sample: Sample }[] }

/** Throughput and p99 against connections, one line per series, log-spaced x axis, the 40 ms p99 target marked. */
export function plot(title: string, series: Series[]): string {
  const conns = [...new Set(series.flatMap((s) => s.points.map((p) => p.connections)))].sort((a, b) => a - b);
  if (!conns.length) return '';
  const W = 860, H = 340 + 18 * Math.max(0, Math.ceil(series.length / 2) - 1), left = 64, right = 20, top = 40, gap = 70;
  const bottom = H - 280;
  const pw = (W - left - right - gap) / 2, ph = H - top - bottom;
  const lx = (c: number) => Math.log10(c);
  const xmin = lx(conns[0]), xmax = lx(conns[conns.length - 1]);
  const x = (c: number) => (xmax === xmin ? pw / 2 : ((lx(c) - xmin) / (xmax - xmin)) * pw);
  const nice = (v: number) => { const p = 10 ** Math.floor(Math.log10(v)); return [1, 2, 2.5, 5, 10].map((m) => m * p).find((m) => m >= v)!; };
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const maxOf = (get: (s: Sample) => number) => nice(Math.max(1, ...series.flatMap((s) => s.points.map((p) => get(p.sample)))) * 1.05);
  const panel = (x0: number, heading: string, unit: string, get: (s: Sample) => number) => {
    const max = maxOf(get);
    const y = (v: number) => top + ph - (v / max) * ph;
    const grid = [0, 0.25, 0.5, 0.75, 1].map((f) => `<line x1="${x0}" x2="${x0 + pw}" y1="${y(f * max)}" y2="${y(f * max)}" stroke="#e5e5e5"/><text x="${x0 - 6}" y="${y(f * max) + 4}" font-size="11" text-anchor="end" fill="#555">${f ? f1(f * max) : '0'}</text>`).join('');
    const xt = conns.map((c) => `<line x1="${x0 + x(c)}" x2="${x0 + x(c)}" y1="${top + ph}" y2="${top + ph + 4}" stroke="#555"/><text x="${x0 + x(c)}" y="${top + ph + 18}" font-size="11" text-anchor="middle" fill="#555">${c}</text>`).join('');
    const line = (s: Series) => {
      const ps = [...s.points].sort((a, b) => a.connections - b.connections).map((p) => [x0 + x(p.connections), y(get(p.sample)), p] as const);
      return `<polyline fill="none" stroke="${s.color}" stroke-width="2.5" points="${ps.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(' ')}"/>${ps.map(([a, b, p]) => `<circle cx="${a.toFixed(1)}" cy="${b.toFixed(1)}" r="3.5" fill="${s.color}"><title>${esc(s.label)} ${p.connections} conns: ${f1(get(p.sample))} ${unit}</title></circle>`).join('')}`;
    };
    return `<g>${grid}<line x1="${x0}" x2="${x0 + pw}" y1="${top + ph}" y2="${top + ph}" stroke="#555"/>${xt}
  <text x="${x0 + pw / 2}" y="${top - 14}" font-size="14" font-weight="bold" text-anchor="middle">${esc(heading)}</text>
  <text x="${x0 + pw / 2}" y="${top + ph + 36}" font-size="12" text-anchor="middle" fill="#333">connections (log scale)</text>
  ${series.map(line).join('')}</g>`;
  };
  const p99limit = (() => {
    const max = maxOf((s) => s.p99);
    if (40 > max) return '';
    const yy = top + ph - (40 / max) * ph;
    const x0 = left + pw + gap;
    return `<line x1="${x0}" x2="${x0 + pw}" y1="${yy}" y2="${yy}" stroke="#c0392b" stroke-dasharray="5,4"/><text x="${x0 + pw - 2}" y="${yy - 4}" font-size="10" text-anchor="end" fill="#c0392b">40 ms target</text>`;
  })();
  const legend = series.map((s, i) => {
    const lx0 = left + (i % 2) * 400, ly = top + ph + 50 + Math.floor(i / 2) * 18;
    return `<rect x="${lx0}" y="${ly - 6}" width="14" height="4" fill="${s.color}"/><text x="${lx0 + 20}" y="${ly}">${esc(s.label)}</text>`;
  }).join('\n  ');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif">
  <rect width="100%" height="100%" fill="#fff"/>
  ${panel(left, `${title}: throughput (req/s)`, 'req/s', (s) => s.rps)}
  ${panel(left + pw + gap, 'p99 latency (ms)', 'ms', (s) => s.p99)}
  ${p99limit}
  <g font-size="12">${legend}</g>
</svg>
`;
}

// ------------------------------------------------------------------------------ past one machine (--pg)

/** Where Gatehouse stored its data in a `--pg` run: the SQLite file, or PostgreSQL + Redis behind one or two instances. */
export type Topology = 'sqlite' | 'pg' | 'pg2';
export const TOPOLOGIES: Record<Topology, { label: string; color: string }> = {
  sqlite: { label: 'SQLite, one instance', color: '#1f5fbf' },
  pg: { label: 'PostgreSQL + Redis, one instance', color: '#2e8b57' },
  pg2: { label: 'PostgreSQL + Redis, two instances behind a loopback balancer', color: '#d35400' },
};

export interface ScaleRow { scenarioId: string; scenario: string; topology: Topology; connections: number; sample: Sample; rounds: number[] }

/** The `--pg` comparison: a table per scenario (req/s and p99 by connections, each topology) and the token target. */
export function scaleMarkdown(rows: ScaleRow[], meta: Pick<Meta, 'command' | 'machine' | 'source' | 'rounds' | 'duration' | 'date' | 'totalSeconds'> & { database: string }): string {
  const at = (id: string, t: Topology, c: number) => rows.find((r) => r.scenarioId === id && r.topology === t && r.connections === c);
  const ids = [...new Set(rows.map((r) => r.scenarioId))];
  const conns = [...new Set(rows.map((r) => r.connections))].sort((a, b) => a - b);
  const topos = (Object.keys(TOPOLOGIES) as Topology[]).filter((t) => rows.some((r) => r.topology === t));
  const cell = (r: ScaleRow | undefined) => (r ? `${f0(r.sample.rps)}${r.sample.non2xx + r.sample.errors ? ` (${r.sample.non2xx + r.sample.errors} bad)` : ''} | ${f1(r.sample.p99)} | ${f0(r.sample.cpuUsPerReq)}` : '— | — | —');
  const out = [
    `Command: \`${meta.command}\` (${meta.date}, took ${Math.round(meta.totalSeconds)} s)  `,
    `Machine: ${meta.machine}  `,
    `Source: ${meta.source}  `,
    `Database: ${meta.database}  `,
    `Median of ${meta.rounds} round(s) of ${meta.duration} s per measurement; every measurement starts fresh servers on a fresh copy of the seeded data (SQLite: the file; PostgreSQL: \`create database … template\`, Redis keys under the bench prefix deleted). CPU µs/req counts the Gatehouse processes only (not PostgreSQL, Redis or the balancer).`,
    '',
  ];
  for (const id of ids) {
    const name = rows.find((r) => r.scenarioId === id)!.scenario;
    out.push(`#### ${name}`, '', `| conns |${topos.map((t) => ` ${TOPOLOGIES[t].label} req/s | p99 ms | CPU µs/req |`).join('')}${topos.includes('pg') && topos.includes('sqlite') ? ' PG×1 ÷ SQLite |' : ''}${topos.includes('pg2') && topos.includes('pg') ? ' PG×2 ÷ PG×1 |' : ''}`,
      `| ---: |${topos.map(() => ' ---: | ---: | ---: |').join('')}${topos.includes('pg') && topos.includes('sqlite') ? ' ---: |' : ''}${topos.includes('pg2') && topos.includes('pg') ? ' ---: |' : ''}`);
    for (const c of conns) {
      const ratio = (a?: ScaleRow, b?: ScaleRow) => (a && b && b.sample.rps > 0 ? `${(a.sample.rps / b.sample.rps).toFixed(2)}×` : '—');
      out.push(`| ${c} |${topos.map((t) => ` ${cell(at(id, t, c))} |`).join('')}${topos.includes('pg') && topos.includes('sqlite') ? ` ${ratio(at(id, 'pg', c), at(id, 'sqlite', c))} |` : ''}${topos.includes('pg2') && topos.includes('pg') ? ` ${ratio(at(id, 'pg2', c), at(id, 'pg', c))} |` : ''}`);
    }
    out.push('');
  }
  const tokenTargets = conns.map((c) => [c, at('client_credentials', 'pg', c), at('client_credentials', 'sqlite', c)] as const).filter(([, p, s]) => p && s);
  if (tokenTargets.length) {
    out.push('| target | measured | met |', '| --- | --- | :---: |');
    for (const [c, p, s] of tokenTargets) {
      const r = p!.sample.rps / s!.sample.rps;
      out.push(`| PostgreSQL token rate (client_credentials, one instance) ≥ 0.50× SQLite's, ${c} connections | ${r.toFixed(2)}× (${f0(p!.sample.rps)} ÷ ${f0(s!.sample.rps)} req/s) | ${r >= 0.5 ? 'yes' : '**no**'} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

/** One plot per scenario of a `--pg` run: every topology's throughput and p99 against connections. */
export function scaleSvg(rows: ScaleRow[], scenarioId: string): string {
  const mine = rows.filter((r) => r.scenarioId === scenarioId);
  if (!mine.length) return '';
  return plot(mine[0].scenario, (Object.keys(TOPOLOGIES) as Topology[]).filter((t) => mine.some((r) => r.topology === t))
    .map((t) => ({ ...TOPOLOGIES[t], points: mine.filter((r) => r.topology === t).map((r) => ({ connections: r.connections, sample: r.sample })) })));
}
