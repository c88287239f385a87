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
 * addresses. Anything else (no address) is one source of its own.
 */
export function sourceOf(ip: string | undefined): string {
  if (!ip) return 'unknown';
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip.split('%')[0])) return `other:${ip}`;
  const g = groups(ip);
  if (g.slice(0, 5).every((x) => x === '0') && g[5] === 'ffff') {
    const n = [parseInt(g[6], 16), parseInt(g[7], 16)];
    return `${n[0] >> 8}.${n[0] & 255}.${n[1] >> 8}.${n[1] & 255}`;
  }
  return `${g.slice(0, 4).join(':')}::/64`;
}
