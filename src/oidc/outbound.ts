import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { createRequire } from 'node:module';
import type * as Http from 'node:http';
import { BlockList, isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { echoUri } from '../oauth2/redirect-uri.ts';

// node:http(s) required on first use: imported as ES modules at start they load undici (test/http/lazy-modules.test.ts).
const load = createRequire(import.meta.url);

// Outbound requests to addresses clients registered (logout callbacks): DESIGN's security rule says they refuse
// private, loopback and link-local targets unless an allow-list permits, and cap time and size. The check runs in
// the socket's own DNS lookup, so the address connected to is the one checked (no rebinding between check and use).

const PRIVATE = new BlockList();
// IANA special-purpose registries (RFC 6890 and its updates): documentation ranges included, as a host may use them.
for (const [net, bits] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4]] as const) PRIVATE.addSubnet(net, bits, 'ipv4');
// IPv6. The forms that carry an IPv4 address in their last 32 bits (IPv4-compatible, mapped, translated) are
// checked as that IPv4 address (embeddedIpv4); NAT64, 6to4 and Teredo are refused whole. (BlockList itself would
// match every IPv4 address against a ::ffff:0:0/96 rule, so those forms are not listed here.)
for (const [net, bits] of [['::', 127], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['100::', 64],
  ['2001::', 32], ['2001:db8::', 32], ['2002::', 16], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8]] as const) PRIVATE.addSubnet(net, bits, 'ipv6');
// This host's own addresses, public ones included: a callback to them reaches whatever listens on every interface.
for (const list of Object.values(networkInterfaces())) {
  for (const a of list ?? []) PRIVATE.addAddress(a.address.replace(/%.*$/, ''), a.family === 'IPv4' ? 'ipv4' : 'ipv6');
}

/** Loopback, private, link-local, shared, multicast or reserved: not a public Internet address. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (!family) return true;
  const v4 = family === 6 ? embeddedIpv4(address) : undefined;
  if (v4) return isPrivateAddress(v4);
  return PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** The IPv4 address in ::a.b.c.d, ::ffff:a.b.c.d or ::ffff:0:a.b.c.d (in any spelling), if the address is one. */
function embeddedIpv4(address: string): string | undefined {
  const canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1); // e.g. ::127.0.0.1 → ::7f00:1
  const m = /^::(?:ffff:(?:0:)?)?([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (!m) return undefined;
  const [hi, lo] = [parseInt(m[1], 16), parseInt(m[2], 16)];
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

export class OutboundRefused extends Error {}
/** Too many outbound requests in flight to one host (OUTBOUND_PER_HOST). */
class OutboundBusy extends Error {}

/**
 * Outbound requests in flight at once to one host and port, in this process, per pool (OutboundOptions.pool). Each fetch is caused by one request of somebody
 * else's (an anonymous authorization request naming a request_uri, a metadata document's URL), so without a bound 300
 * requests at once opened 300 sockets to one slow host (attacker read 15, F3). Past it a fetch fails at once, as a
 * transient failure (a stale copy may serve). No bound in all: one would let a few slow hosts stop every other fetch,
 * and without it each fetch still answers one inbound request.
 */
export const OUTBOUND_PER_HOST = 8;
const inFlight = new Map<string, number>();

/** One spelling of an IPv6 address: canonical, or the IPv4 address it carries (::ffff:a.b.c.d) as that address. */
const canonicalAddress = (address: string): string => embeddedIpv4(address) ?? new URL(`http://[${address}]/`).hostname.slice(1, -1);

export interface OutboundOptions {
  /** Host names (or IP literals) that may resolve to private addresses: a test relying party, an intranet app. */
  allowedHosts: readonly string[];
  timeoutMs?: number;
  maxResponseBytes?: number;
  /** A deadline of the caller's, over this request and others (a metadata document and its sector document). */
  signal?: AbortSignal;
  /**
   * Whose share of OUTBOUND_PER_HOST this fetch takes. Fetches anyone can cause with an anonymous request (request_uri,
   * client ID metadata documents) each have their own, so a flood of one kind cannot starve a host's others (its
   * jwks_uri, its back-channel logout: attacker read 16, F4). Default: the share of the rest.
   */
  pool?: 'request_uri' | 'metadata' | 'sector' | 'jwks' | 'backchannel';
  /** Where a failure's details go (the server log): the caller of getJson sees only FETCH_FAILED. */
  onFailure?: (failure: { url: string; reason: FailureReason; detail: string }) => void;
}

/** Why an outbound document could not be had, as a class: `transient` ones may pass (timeout, unreachable, 5xx). */
export type FailureReason = 'refused' | 'timeout' | 'unreachable' | 'status' | 'server_error' | 'invalid' | 'busy';

/** The one text a caller is shown for any failed outbound document: how a name resolved or a port answered stays in the log. */
export const FETCH_FAILED = 'could not be fetched';

/**
 * A failed outbound document. Its message is FETCH_FAILED whatever happened, so no path that turns it into text
 * (registration, GraphQL, forms, metadata clients) can show a caller our network (a DNS or port oracle).
 */
export class OutboundFailure extends Error {
  readonly reason: FailureReason;
  constructor(reason: FailureReason) { super(FETCH_FAILED); this.reason = reason; }
  /** The document may be there next time: a stale copy of it can still serve. */
  get transient(): boolean { return this.reason === 'timeout' || this.reason === 'unreachable' || this.reason === 'server_error' || this.reason === 'busy'; }
}

/**
 * The fetch never left: our own bound on fetches in flight to the host (OUTBOUND_PER_HOST) refused it. It says nothing
 * of the document or the host, so no caller remembers it against either.
 */
export function refusedByOwnBound(e: unknown): boolean { return e instanceof OutboundBusy || (e instanceof OutboundFailure && e.reason === 'busy'); }

function failureReason(e: unknown): FailureReason {
  if (e instanceof OutboundRefused) return 'refused';
  if (e instanceof OutboundBusy) return 'busy';
  const err = e as Error;
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return 'timeout';
  const m = String(err?.message ?? '');
  if (/^the server answered 5\d\d$/.test(m)) return 'server_error';
  if (/^the server answered \d+$/.test(m)) return 'status';
  if (m === 'the answer is not JSON' || m === 'response too large') return 'invalid';
  return 'unreachable';
}

/** POSTs a form to `url` and answers its status; throws OutboundRefused for a refused target, Error on failure. */
export async function postForm(url: string, form: Record<string, string>, o: OutboundOptions): Promise<number> {
  const body = new URLSearchParams(form).toString();
  const headers = { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)), accept: 'application/json' };
  return (await send('POST', url, headers, body, o)).status;
}

/**
 * GETs a JSON document (a sector_identifier_uri's, Registration §5): no redirects followed, a 200 with a body
 * within the size cap, parsed. Throws OutboundFailure (its message FETCH_FAILED, whatever the cause).
 */
export async function getJson(url: string, o: OutboundOptions): Promise<unknown> {
  return (await getJsonDocument(url, o)).json;
}

/** getJson, with the answer's Cache-Control header (a client ID metadata document's cache lifetime). */
export async function getJsonDocument(url: string, o: OutboundOptions): Promise<{ json: unknown; cacheControl: string | undefined }> {
  try {
    const res = await send('GET', url, { accept: 'application/json' }, '', o, true);
    // A 3xx is not followed: a redirect could lead to a private target the check above never saw.
    if (res.status !== 200) throw new Error(`the server answered ${res.status}`);
    let json: unknown;
    try { json = JSON.parse(res.body.toString('utf8')); } catch { throw new Error('the answer is not JSON'); }
    return { json, cacheControl: res.cacheControl };
  } catch (e) {
    // The details (getaddrinfo ENOTFOUND, ECONNREFUSED 127.0.0.1:1, "resolves to a private address") go to the log only.
    const reason = failureReason(e);
    o.onFailure?.({ url, reason, detail: String((e as Error)?.message ?? e) });
    throw new OutboundFailure(reason);
  }
}

/**
 * GETs a document of another type (a request object by reference, RFC 9101 §5.2): the same guard, no redirects, a
 * 200 within the size cap; answers its text and media type. Throws OutboundFailure (its message FETCH_FAILED).
 */
export async function getDocument(url: string, accept: string, o: OutboundOptions): Promise<{ body: string; contentType: string | undefined }> {
  try {
    const res = await send('GET', url, { accept }, '', o, true);
    if (res.status !== 200) throw new Error(`the server answered ${res.status}`);
    return { body: res.body.toString('utf8'), contentType: res.contentType };
  } catch (e) {
    const reason = failureReason(e);
    o.onFailure?.({ url, reason, detail: String((e as Error)?.message ?? e) });
    throw new OutboundFailure(reason);
  }
}

function send(method: string, url: string, headers: Record<string, string>, body: string, o: OutboundOptions, keepBody = false): Promise<Answer> {
  const u = new URL(url);
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return Promise.reject(new OutboundRefused('not an http(s) URL'));
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const allowed = o.allowedHosts.includes(host);
  // An IP literal is connected to without a lookup: checked here.
  if (isIP(host) && !allowed && isPrivateAddress(host)) return Promise.reject(new OutboundRefused(`${echoUri(host)} is a private address`));
  const lookup = (hostname: string, opts: object, cb: (err: Error | null, address: string | LookupAddress[], family?: number) => void) => {
    dnsLookup(hostname, { ...opts, all: true }, (err, addresses) => {
      if (err) return cb(err, '');
      const refused = !allowed && addresses.find((a) => isPrivateAddress(a.address));
      if (refused) return cb(new OutboundRefused(`${echoUri(hostname)} resolves to a private address`), '');
      const all = (opts as { all?: boolean }).all;
      return all ? cb(null, addresses) : cb(null, addresses[0].address, addresses[0].family);
    });
  };
  const out: Outgoing = { method, url: u, headers, body, keepBody, lookup, timeoutMs: o.timeoutMs ?? 5000, maxBytes: o.maxResponseBytes ?? 16 * 1024, signal: o.signal };
  // One name is one share in any spelling (case, a trailing dot; an IP literal IPv4-mapped or not: attacker read 16, F5).
  // Not one per address: hosting shares addresses (a CDN's serve thousands of sites), and one site's flood would fail
  // every other site's documents and logouts there. A host's other names are other hosts here, as to its own TLS.
  // Back-channel logout deliveries are bounded where they are made, fairly between owners (logout.ts fairTurns), and
  // share no host's slots with fetches strangers can cause: ten failing registrations naming a sector document on a
  // relying party's host held its slots and failed its logout on every attempt (attacker read 22, F1).
  if (o.pool === 'backchannel') return sendNow(out);
  // Per port too: another port is another server. Counted by name alone, strangers' fetches to a port of the name that
  // never answers held the share of the server a client's own keys are on (attacker read 24, F1/F2).
  const key = `${o.pool ?? 'other'} ${isIP(host) === 6 ? canonicalAddress(host) : host.toLowerCase().replace(/\.$/, '')} ${u.port || (u.protocol === 'https:' ? 443 : 80)}`;
  const here = inFlight.get(key) ?? 0;
  if (here >= OUTBOUND_PER_HOST) return Promise.reject(new OutboundBusy(`${OUTBOUND_PER_HOST} requests to ${echoUri(host)} are in flight`));
  inFlight.set(key, here + 1);
  const done = () => {
    const n = (inFlight.get(key) ?? 1) - 1;
    if (n > 0) inFlight.set(key, n); else inFlight.delete(key);
  };
  return sendNow(out).finally(done);
}

type Lookup = (hostname: string, opts: object, cb: (err: Error | null, address: string | LookupAddress[], family?: number) => void) => void;
type Answer = { status: number; body: Buffer; cacheControl?: string; contentType?: string };
/** One request as send() decided it: the guarded lookup, the deadline, the byte cap, whether the body is kept. */
interface Outgoing { method: string; url: URL; headers: Record<string, string>; body: string; keepBody: boolean; lookup: Lookup; timeoutMs: number; maxBytes: number; signal?: AbortSignal }

function sendNow({ method, url: u, headers, body, keepBody, lookup, timeoutMs, maxBytes, signal }: Outgoing): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const { request } = load(u.protocol === 'https:' ? 'node:https' : 'node:http') as typeof Http;
    const req = request(u, { method, lookup, signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs), headers }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) res.destroy(new Error('response too large'));
        else if (keepBody) chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), cacheControl: res.headers['cache-control'], contentType: res.headers['content-type'] }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
