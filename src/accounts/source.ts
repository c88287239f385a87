// Who a throttle counts as one source. The address is Koa's ctx.ip, so X-Forwarded-For is read only with
// TRUST_PROXY (src/app.ts): this module groups addresses, it never reads headers.
import { isIPv4, isIPv6 } from 'node:net';

/** The 8 groups of an IPv6 address, expanded (`::` filled, an embedded dotted quad turned into two groups). */
function groups(ip: string): string[] {
  let s = ip.split('%')[0].toLowerCase();
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (quad) {
    const [a, b, c, d] = quad[1].split('.').map(Number);
    s = s.slice(0, -quad[1].length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail === undefined ? [] : tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t].map((g) => g.replace(/^0+(?=.)/, ''));
}

/**
 * One throttle source: an IPv4 address as it is (IPv4-mapped IPv6 included, ::ffff:a.b.c.d is a.b.c.d), an IPv6
 * address by its /64, since one subscriber usually holds a whole /64 and could otherwise rotate through 2^64
 * addresses (a 6to4 address by its IPv4 host). A port a proxy appended is dropped. Anything else (no address) is one
 * source of its own.
 */
export function sourceOf(raw: string | undefined): string {
  if (!raw) return 'unknown';
  // A port some proxies append to the forwarded address (`a.b.c.d:port`, `[v6]:port`) is not part of the source.
  const ip = /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(raw)?.[1] ?? /^\[([^\]]+)\](?::\d+)?$/.exec(raw)?.[1] ?? raw;
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip.split('%')[0])) return `other:${raw}`;
  const g = groups(ip);
  const dotted = (hi: string, lo: string) => { const n = [parseInt(hi, 16), parseInt(lo, 16)]; return `${n[0] >> 8}.${n[0] & 255}.${n[1] >> 8}.${n[1] & 255}`; };
  if (g.slice(0, 5).every((x) => x === '0') && g[5] === 'ffff') return dotted(g[6], g[7]);
  // RFC 3056 6to4: 2002:AABB:CCDD::/48 belongs to the IPv4 host AA.BB.CC.DD, 2^16 /64s of it.
  if (g[0] === '2002') return dotted(g[1], g[2]);
  return `${g.slice(0, 4).join(':')}::/64`;
}
