// Round trips a request costs on PostgreSQL + Redis: every statement sent to PostgreSQL (both the lean SQL of the hot
// paths and MikroORM's) and every command sent to Redis, counted per request of each `--pg` bench scenario, with the
// statements themselves. In-process (createApp on a scratch database of the bench server, Redis under the bench's
// prefix); the database is dropped and the keys deleted afterwards.
//
//   node bench/roundtrips.ts [--requests 20]      (BENCH_DATABASE_URL, BENCH_REDIS_URL as for `npm run bench -- --pg`)
import { parseArgs } from 'node:util';
import pg from 'pg';
import { Redis } from 'ioredis';
import { createApp } from '../src/app.ts';
import { withScratchDatabase } from '../src/storage/pg-admin.ts';
import { BENCH_PG_SERVER, BENCH_REDIS_PREFIX, BENCH_REDIS_URL, flushBenchRedis } from './pg.ts';
import { basic } from './scenarios.ts';
import { oidcLogin, oidcRequests, type Tally } from './code-round.ts';

const { values: opt } = parseArgs({ options: { requests: { type: 'string', default: '20' } } });
const N = Math.max(1, Number(opt.requests));

/** Statement texts (MikroORM inlines no values into ours; its own are grouped by text too) and Redis commands seen. */
const seen = { sql: new Map<string, number>(), redis: new Map<string, number>() };
const counting = { on: false };
// Wrapped in place: the original methods are called with the instance as `this`.
const query = Reflect.get(pg.Client.prototype, 'query') as (...a: unknown[]) => unknown;
pg.Client.prototype.query = function (this: pg.Client, ...a: unknown[]) {
  if (counting.on) {
    const q = a[0] as string | { text: string };
    const text = (typeof q === 'string' ? q : q.text).replace(/\s+/g, ' ').slice(0, 140);
    seen.sql.set(text, (seen.sql.get(text) ?? 0) + 1);
  }
  return query.apply(this, a);
} as typeof pg.Client.prototype.query;
const send = Reflect.get(Redis.prototype, 'sendCommand') as (this: Redis, cmd: Parameters<Redis['sendCommand']>[0]) => unknown;
Redis.prototype.sendCommand = function (this: Redis, cmd: Parameters<Redis['sendCommand']>[0]) {
  if (counting.on) seen.redis.set(cmd.name, (seen.redis.get(cmd.name) ?? 0) + 1);
  return send.call(this, cmd);
} as Redis['sendCommand'];

/** Runs `fn` n times after one untimed warm-up call (caches filled, keys loaded), answering statements per call. */
async function perRequest(name: string, fn: () => Promise<void>) {
  await fn();
  seen.sql.clear(); seen.redis.clear();
  counting.on = true;
  for (let i = 0; i < N; i++) await fn();
  counting.on = false;
  const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0) / N;
  process.stdout.write(`\n### ${name}\n\nPostgreSQL statements a request: ${total(seen.sql).toFixed(2)}; Redis commands a request: ${total(seen.redis).toFixed(2)}\n\n| per request | statement |\n| ---: | --- |\n`);
  for (const [text, n] of [...seen.sql].sort((a, b) => b[1] - a[1])) process.stdout.write(`| ${(n / N).toFixed(2)} | \`${text.replace(/\|/g, '\\|')}\` |\n`);
  for (const [cmd, n] of [...seen.redis].sort((a, b) => b[1] - a[1])) process.stdout.write(`| ${(n / N).toFixed(2)} | Redis ${cmd.toUpperCase()} |\n`);
}

await withScratchDatabase(BENCH_PG_SERVER.replace(/\/[^/]*$/, '/postgres'), async (url) => {
  await flushBenchRedis();
  const app = await createApp({ env: 'production', database: { url }, redisUrl: BENCH_REDIS_URL, redisPrefix: BENCH_REDIS_PREFIX, issuer: 'https://bench.local', allowInsecureTransport: true,
    sessionKeys: ['bench-session-key-'.padEnd(48, 'k')], secretPepper: 'bench-pepper-'.padEnd(48, 'p'), encryptionKey: 'ab'.repeat(32), deployCheck: 'warn' } as never);
  try {
    const { url: base } = await app.listen(0, '127.0.0.1');
    const owner = await app.seed.user({ username: 'admin', password: 'bench-admin-password', isAdmin: true });
    const { client, clientSecret } = await app.seed.client({ owner, name: 'Bench', grantTypes: ['client_credentials', 'authorization_code'], redirectUris: ['https://bench.local/cb'], allowedScopes: ['openid', 'read'] });
    const creds = { clientId: client.clientId, clientSecret: clientSecret! };
    const form = { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(creds) };
    const token = async () => {
      const r = await fetch(`${base}/o/token/`, { method: 'POST', headers: form, body: 'grant_type=client_credentials&scope=read' });
      if (r.status !== 200) throw new Error(`token: ${r.status} ${await r.text()}`);
      return (await r.json() as { access_token: string }).access_token;
    };
    await perRequest('POST /o/token/ client_credentials', async () => { await token(); });
    const t = await token();
    await perRequest('POST /o/introspect/', async () => {
      const r = await fetch(`${base}/o/introspect/`, { method: 'POST', headers: form, body: `token=${t}` });
      if (!(await r.json() as { active: boolean }).active) throw new Error('introspect: inactive');
    });
    // The OpenID Connect code flow's two requests, as the bench sends them (bench/code-round.ts).
    const cookie = await oidcLogin(base, { ...creds, username: 'admin', password: 'bench-admin-password', workers: 0, seconds: 0 }, 'gatehouse');
    const tally: Tally = { failed: 0 };
    const [authorize, exchange] = oidcRequests(creds, cookie, 'gatehouse', tally) as { method: string; path?: string; headers: Record<string, string>; setupRequest: (r: object, c: object) => { path?: string; body?: string } | null; onResponse: (s: number, b: string, c: object, h: Record<string, string>) => void }[];
    const round = async () => {
      const c = {};
      const a = authorize.setupRequest({ method: 'GET', headers: authorize.headers }, c)!;
      const ra = await fetch(`${base}${a.path}`, { headers: authorize.headers, redirect: 'manual' });
      await ra.arrayBuffer();
      authorize.onResponse(ra.status, '', c, Object.fromEntries(ra.headers));
      const e = exchange.setupRequest({}, c);
      if (!e) throw new Error(`authorize: ${tally.first}`);
      const re = await fetch(`${base}/o/token/`, { method: 'POST', headers: exchange.headers, body: e.body });
      exchange.onResponse(re.status, await re.text(), c, {});
      if (tally.failed) throw new Error(`code flow: ${tally.first}`);
    };
    await perRequest('OpenID Connect code flow: authorize GET + token exchange (one round = two requests)', round);
  } finally {
    await app.close();
    await flushBenchRedis();
  }
});
