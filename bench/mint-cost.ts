// What minting one client_credentials access token costs in CPU, through the server's own code (tokenWriter,
// mintFor, hashToken, createJwtAccessTokens / signJwt), opaque against RFC 9068 JWT signed with each algorithm, and
// beside them node:crypto's bare signature of a signing input of the same size with the same key (`sign <alg>`):
// a JWT's mint minus its bare signature is what Gatehouse adds around the signature. Interleaved rounds, one
// process, CPU time (so another process's load moves it less than wall time). The token endpoint's other work
// (HTTP, client auth, storage) is the same for both formats and is not measured here (bench/gc-split.ts and
// bench/profile.ts measure the server).
//
//   node bench/mint-cost.ts [--iterations 20000] [--rounds 5]
import { parseArgs } from 'node:util';
import { sign } from 'node:crypto';
import { generateSigningKey, privateKeyOf, SIGNING_ALGS, type KeyRing, type SigningAlg } from '../src/oidc/keys.ts';
import { createJwtAccessTokens } from '../src/oidc/access-token.ts';
import { Subjects } from '../src/oidc/subject.ts';
import { mintFor, tokenWriter, type IssueContext } from '../src/oauth2/issue.ts';

const { values: opt } = parseArgs({ options: { iterations: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '5' }, evict: { type: 'string', default: '0' } } });
const n = Number(opt.iterations);
// --evict KB: between two tokens, read this much other memory, as a server's request does between two signatures, so
// the signature's tables and code are no longer all in the CPU's caches (a tight loop keeps them there).
const evictBytes = Number(opt.evict) * 1024;
const other = new Float64Array(Math.max(1, evictBytes / 8));
let sink = 0;
function evict() { for (let i = 0; i < other.length; i += 8) sink += other[i]; }
const seal = Buffer.alloc(32, 7);
const keys = new Map(await Promise.all(SIGNING_ALGS.map(async (alg) => [alg, await privateKeyOf(await generateSigningKey(alg, 'current', seal, Date.now()), seal)] as const)));
const client = { clientId: 'bench-client-0123456789abcdef', accessTokenFormat: 'jwt' as const, clientType: 'confidential' as const, subjectType: 'public' as const, sectorIdentifierUri: null, redirectUris: [], grantTypes: ['client_credentials'] };

function contextFor(alg: SigningAlg | null): Pick<IssueContext, 'accessTokens' | 'settings' | 'now'> {
  const ring = { signingKey: async () => keys.get(alg ?? 'ES256')! } as unknown as KeyRing;
  return { accessTokens: alg ? createJwtAccessTokens({ keys: ring, issuer: () => 'https://bench.local', subjects: new Subjects(seal), alg }) : undefined, settings: { accessTokenTtl: 3600, refreshTokenTtl: 86400, accessTokenMaxLifetime: 86400, refreshTokenMaxLifetime: 86400 * 90 }, now: Date.now() };
}

const cpu = () => { const u = process.cpuUsage(); return u.user + u.system; };
async function measure(alg: SigningAlg | null): Promise<number> {
  const ctx = contextFor(alg) as IssueContext;
  const c = { ...client, accessTokenFormat: alg ? 'jwt' as const : 'opaque' as const };
  const t0 = cpu();
  for (let i = 0; i < n; i++) {
    const writer = await tokenWriter(ctx, c);
    mintFor({ ...ctx, now: Date.now() }, { applicationId: 1, userId: null, grantId: null, scope: 'read', familyId: null, withRefresh: false, writer });
    if (evictBytes) evict();
  }
  return (cpu() - t0) / n - evictCost;
}

/** node:crypto.sign alone, as signJwt calls it, over a signing input as long as a client_credentials JWT's. */
function bareSign(alg: SigningAlg): number {
  const key = keys.get(alg)!;
  const input = Buffer.alloc(443, 'a');
  const options = { key: key.keyObject, dsaEncoding: 'ieee-p1363' as const };
  const t0 = cpu();
  for (let i = 0; i < n; i++) { sign(alg === 'EdDSA' ? null : 'sha256', input, options); if (evictBytes) evict(); }
  return (cpu() - t0) / n - evictCost;
}

/** What evict() costs alone, taken off every figure. */
let evictCost = 0;
function measureEvict(): number { const t0 = cpu(); for (let i = 0; i < n; i++) evict(); return (cpu() - t0) / n; }

const kinds: (SigningAlg | null)[] = [null, ...SIGNING_ALGS];
const rows = [...kinds.map((k) => k ?? 'opaque'), ...SIGNING_ALGS.map((a) => `sign ${a}`)];
const results = new Map<string, number[]>(rows.map((k) => [k, []]));
for (let r = -1; r < Number(opt.rounds); r++) {
  evictCost = evictBytes ? measureEvict() : 0;
  // Round -1 warms up (V8 tiers the loops up) and is not counted.
  for (const k of kinds) { const v = await measure(k); if (r >= 0) results.get(k ?? 'opaque')!.push(v); }
  for (const a of SIGNING_ALGS) { const v = bareSign(a); if (r >= 0) results.get(`sign ${a}`)!.push(v); }
}
const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];
if (evictBytes) console.log(`(${opt.evict} KB read between two tokens; its own cost, ${evictCost.toFixed(1)} µs, taken off)${sink ? '' : ''}`);
for (const [k, v] of results) console.log(`${k.padEnd(12)} ${median(v).toFixed(1).padStart(6)} µs/token (rounds ${v.map((x) => x.toFixed(1)).join(', ')})`);
