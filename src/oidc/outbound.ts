import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { createRequire } from 'node:module';
import type * as Http from 'node:http';
import { BlockList, isIP } from 'node:net';

// node:http(s) required on first use: imported as ES modules at start they load undici (test/http/lazy-modules.test.ts).
const load = createRequire(import.meta.url);

// Outbound requests to addresses clients registered (logout callbacks): DESIGN's security rule says they refuse
// private, loopback and link-local targets unless an allow-list permits, and cap time and size. The check runs in
// the socket's own DNS lookup, so the address connected to is the one checked (no rebinding between check and use).

const PRIVATE = new BlockList();
for (const [net, bits] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4]] as const) PRIVATE.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [['::', 127], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96]] as const) PRIVATE.addSubnet(net, bits, 'ipv6');

/** Loopback, private, link-local, shared, multicast or reserved: not a public Internet address. */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return isPrivateAddress(mapped[1]);
  const family = isIP(address);
  if (!family) return true;
  return PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export class OutboundRefused extends Error {}

export interface OutboundOptions {
  /** Host names (or IP literals) that may resolve to private addresses: a test relying party, an intranet app. */
  allowedHosts: readonly string[];
  timeoutMs?: number;
  maxResponseBytes?: number;
}

/** POSTs a form to `url` and answers its status; throws OutboundRefused for a refused target, Error on failure. */
export function postForm(url: string, form: Record<string, string>, o: OutboundOptions): Promise<number> {
  const u = new URL(url);
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return Promise.reject(new OutboundRefused('not an http(s) URL'));
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const allowed = o.allowedHosts.includes(host);
  // An IP literal is connected to without a lookup: checked here.
  if (isIP(host) && !allowed && isPrivateAddress(host)) return Promise.reject(new OutboundRefused(`${host} is a private address`));
  const lookup = (hostname: string, opts: object, cb: (err: Error | null, address: string | LookupAddress[], family?: number) => void) => {
    dnsLookup(hostname, { ...opts, all: true }, (err, addresses) => {
      if (err) return cb(err, '');
      const refused = !allowed && addresses.find((a) => isPrivateAddress(a.address));
      if (refused) return cb(new OutboundRefused(`${hostname} resolves to a private address`), '');
      const all = (opts as { all?: boolean }).all;
      return all ? cb(null, addresses) : cb(null, addresses[0].address, addresses[0].family);
    });
  };
  const body = new URLSearchParams(form).toString();
  const timeoutMs = o.timeoutMs ?? 5000;
  const maxBytes = o.maxResponseBytes ?? 16 * 1024;
  return new Promise((resolve, reject) => {
    const { request } = load(u.protocol === 'https:' ? 'node:https' : 'node:http') as typeof Http;
    const req = request(u, {
      method: 'POST', lookup, signal: AbortSignal.timeout(timeoutMs),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body), accept: 'application/json' },
    }, (res) => {
      let size = 0;
      res.on('data', (chunk: Buffer) => { size += chunk.length; if (size > maxBytes) res.destroy(new Error('response too large')); });
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
