// `gatehouse check --deploy` (after django-oauth-toolkit's `manage.py check --deploy`): one small rule per risk of
// a production deployment, judged from the configuration and facts read from the database
// (src/storage/deploy-facts.ts). An error stops `serve` in production unless DEPLOY_CHECK=warn; a warning is
// printed. The rules judge the deployment as a production one whatever NODE_ENV says (W001 says when it is not).
import type { GatehouseConfig } from './settings.ts';
import { devDefaults } from './settings.ts';
import { PROFILE_RULES_CHECKED } from './security-profile-check.ts';
import type { ProfiledClient } from '../oauth2/security-profile/index.ts';

/** `info` reports (the active security profile) and never stops a start. */
export type Severity = 'error' | 'warning' | 'info';

/** What the database says (src/storage/deploy-facts.ts); null where it could not be read. */
export interface DeployFacts {
  /** Migrations the database has not applied (`serve` applies them at start). */
  pendingMigrations: string[];
  /** Active administrators whose password is still the one set when the first admin was created. */
  initialPasswordAdmins: string[] | null;
  signingKeys: { kid: string; alg: string; status: string; createdAt: number; retiredAt: number | null; sealedUnderDevKey: boolean }[] | null;
  /** Clients registered with one of the grant types asked about (implicit, password). */
  clientsWithGrants: { clientId: string; grantTypes: string[] }[] | null;
  /**
   * client_secret_jwt clients registered for HS384 or HS512 whose secret is too short for it (RFC 7518 §3.2), its
   * length read off the sealed copy (absent: not read).
   */
  shortSecretClients?: { clientId: string; alg: string; octets: number }[] | null;
  /** Every client's metadata that SECURITY_PROFILE's rules judge (absent: not read). */
  profileClients?: (ProfiledClient & { clientId: string })[] | null;
}

export interface DeployInput {
  config: GatehouseConfig;
  facts: DeployFacts;
  /** Problems that would stop the start, other than those the rules below name. */
  configProblems: string[];
  now: number;
}

export interface Finding { id: string; severity: Severity; message: string; fix: string }

interface Rule { id: string; severity: Severity; fix: string; check(i: DeployInput): string | string[] | undefined }

const DAY_MS = 24 * 3600 * 1000;
const isHttps = (url: string) => URL.parse(url)?.protocol === 'https:';
const names = (xs: string[], max = 5) => xs.slice(0, max).join(', ') + (xs.length > max ? ` and ${xs.length - max} more` : '');
/** The keys that sign now or will: a retired key only verifies, and leaves the JWKS after the token lifetime. */
const liveKeys = (f: DeployFacts) => (f.signingKeys ?? []).filter((k) => k.status === 'current' || k.status === 'next');

export const LEGACY_GRANT_TYPES = ['implicit', 'password'] as const;

export const RULES: readonly Rule[] = [
  {
    id: 'E000', severity: 'error', fix: 'Correct the setting named; `npm run gatehouse -- check --deploy` lists every problem at once.',
    check: (i) => i.configProblems.map((p) => `The configuration is refused at start: ${p}.`),
  },
  {
    id: 'E001', severity: 'error', fix: 'Set SESSION_KEYS to random strings of 32+ characters, newest first (e.g. `openssl rand -base64 32`).',
    check: (i) => (devDefaults.sessionKeys(i.config) ? 'SESSION_KEYS (the cookie signing keys) is the development default or has a key shorter than 32 characters: anyone can forge session cookies.' : undefined),
  },
  {
    id: 'E002', severity: 'error', fix: 'Set SECRET_PEPPER to a random string of 32+ characters, kept apart from the database.',
    check: (i) => (devDefaults.secretPepper(i.config) ? 'SECRET_PEPPER is the development default or shorter than 32 characters: stolen client-secret hashes can be tested offline.' : undefined),
  },
  {
    id: 'E003', severity: 'error', fix: 'Set ENCRYPTION_KEY to 32 random bytes (`openssl rand -hex 32`), then run `gatehouse rotatekeys --force` twice.',
    check: (i) => (devDefaults.encryptionKey(i.config) ? 'ENCRYPTION_KEY is the development default: signing keys and OAuth 1 secrets in the database are readable by anyone who has it.' : undefined),
  },
  {
    id: 'E004', severity: 'error', fix: 'With the production ENCRYPTION_KEY set, run `gatehouse rotatekeys --force` twice: the development keys are retired and new ones made.',
    check(i) {
      if (devDefaults.encryptionKey(i.config)) return undefined; // E003 says it, and every key would be listed.
      const dev = liveKeys(i.facts).filter((k) => k.sealedUnderDevKey);
      return dev.length ? `Signing keys made in development sign (or will sign) tokens: ${names(dev.map((k) => `${k.alg} ${k.status} ${k.kid}`), 12)}; their private halves are sealed under the public development key.` : undefined;
    },
  },
  {
    id: 'E005', severity: 'error', fix: 'Set ISSUER to the https URL clients reach Gatehouse at (e.g. https://auth.example.com).',
    check: (i) => (isHttps(i.config.issuer) ? undefined : `ISSUER ${i.config.issuer} is not https: RFC 8414 §2 and OpenID Connect require an https issuer, and tokens would travel in the clear.`),
  },
  {
    id: 'E006', severity: 'error', fix: 'Unset ALLOW_INSECURE_TRANSPORT (it is off in production by default) and serve over https.',
    check: (i) => (i.config.allowInsecureTransport ? 'ALLOW_INSECURE_TRANSPORT is on: session cookies lose Secure, pages are served over plain http, and OAuth 1 PLAINTEXT sends secrets without TLS.' : undefined),
  },
  {
    // Gatehouse itself serves plain HTTP: an https ISSUER means a TLS-terminating proxy in front. Without
    // TRUST_PROXY, X-Forwarded-Proto and -For are ignored, so every request looks like plain http from the proxy.
    id: 'E007', severity: 'error', fix: 'Set TRUST_PROXY=true (TRUST_PROXY_HOPS: how many of your proxies append to X-Forwarded-For), have the proxy set X-Forwarded-Proto, and let clients reach Gatehouse only through it.',
    check: (i) => (isHttps(i.config.issuer) && !i.config.trustProxy ? 'ISSUER is https but TRUST_PROXY is off: behind the TLS proxy every request looks like plain http from the proxy\'s address, so pages redirect to https in a loop, OAuth 1 signatures (over the URL) fail, and all users share one throttle.' : undefined),
  },
  {
    id: 'E008', severity: 'error', fix: 'Set METRICS_TOKEN to a random string of 32+ characters and give it to the scraper, or set METRICS=off.',
    check: (i) => (i.config.metrics.mode === 'on' && (i.config.metrics.token?.length ?? 0) < 32 ? 'METRICS is on without a METRICS_TOKEN of 32+ characters: /metrics is on the public listener.' : undefined),
  },
  {
    id: 'W001', severity: 'warning', fix: 'Set NODE_ENV=production where Gatehouse is deployed.',
    check: (i) => (i.config.env === 'production' ? undefined : `NODE_ENV is ${i.config.env}: the development secrets and plain http are accepted, and \`serve\` runs no deploy check.`),
  },
  {
    id: 'W002', severity: 'warning', fix: 'Run `gatehouse migrate` (or let `serve` apply them at start).',
    check: (i) => (i.facts.pendingMigrations.length ? `${i.facts.pendingMigrations.length} database migration(s) pending: ${names(i.facts.pendingMigrations, 3)}.` : undefined),
  },
  {
    id: 'W003', severity: 'warning', fix: 'Run `gatehouse changepassword USER` for each (or reset it in the admin console, /admin/users/).',
    check: (i) => (i.facts.initialPasswordAdmins?.length ? `The first admin's initial password (printed at the first start, or ADMIN_PASSWORD) was never changed: ${names(i.facts.initialPasswordAdmins)}.` : undefined),
  },
  {
    id: 'W004', severity: 'warning', fix: 'Run `gatehouse rotatekeys` (twice, 6 minutes apart, to replace the next key as well).',
    check(i) {
      const old = liveKeys(i.facts).filter((k) => k.status === 'current' && i.now - k.createdAt > i.config.signingKeyMaxAge * 1000);
      return old.length ? `Signing keys older than SIGNING_KEY_MAX_AGE (${Math.round(i.config.signingKeyMaxAge * 1000 / DAY_MS)} days) still sign: ${names(old.map((k) => `${k.alg} ${k.kid} (${Math.floor((i.now - k.createdAt) / DAY_MS)} days)`))}.` : undefined;
    },
  },
  {
    id: 'W005', severity: 'warning', fix: 'Set REGISTRATION=token and hand out initial access tokens (`gatehouse createinitialtoken`), or REGISTRATION=off.',
    check: (i) => (i.config.registration === 'open' ? 'REGISTRATION=open: anyone can register clients at /o/register (throttled per source only).' : undefined),
  },
  {
    id: 'W006', severity: 'warning', fix: 'Move these clients to authorization_code with PKCE (RFC 9700 §2.1.2, §2.4) and remove the grant from them.',
    check(i) {
      const cs = i.facts.clientsWithGrants ?? [];
      return cs.length ? `Clients allowed the implicit or password grant, which OAuth 2.1 drops: ${names(cs.map((c) => `${c.clientId} (${c.grantTypes.join(', ')})`))}.` : undefined;
    },
  },
  {
    id: 'W007', severity: 'warning', fix: 'Set PLAYGROUND=off in production.',
    // The playground asks for a sign-in (routes/playground.ts): what it exposes is to every account, not to anyone.
    check: (i) => (i.config.playground ? 'PLAYGROUND is on: /o/playground/ is a development tool, open to every signed-in user (it runs real flows against this server with their applications).' : undefined),
  },
  {
    id: 'W008', severity: 'warning', fix: 'Unset PKCE_ALLOW_PLAIN: every client library sends S256.',
    check: (i) => (i.config.pkce.allowPlain ? 'PKCE_ALLOW_PLAIN is on: the `plain` method protects nothing against an attacker who sees the authorization request (RFC 9700 §2.1.1).' : undefined),
  },
  {
    id: 'W010', severity: 'warning', fix: 'Rotate their secrets (the application page, GraphQL rotateClientSecret, or an update through RFC 7592): new secrets are 64 characters and fit HS512.',
    check(i) {
      const cs = i.facts.shortSecretClients ?? [];
      return cs.length ? `Clients registered for client_secret_jwt with an HMAC algorithm their secret is too short for (RFC 7518 §3.2: HS384 needs 48 octets, HS512 64), so their assertions are refused: ${names(cs.map((c) => `${c.clientId} (${c.alg}, ${c.octets} octets)`))}.` : undefined;
    },
  },
  ...PROFILE_RULES_CHECKED,
];

/** Every finding, errors first, in rule order. */
export function deployCheck(input: DeployInput, rules: readonly Rule[] = RULES): Finding[] {
  const found = rules.flatMap((r) => [r.check(input) ?? []].flat().map((message) => ({ id: r.id, severity: r.severity, message, fix: r.fix })));
  return [...found.filter((f) => f.severity === 'error'), ...found.filter((f) => f.severity === 'warning'), ...found.filter((f) => f.severity === 'info')];
}

/** The findings as lines for a terminal or a log: one per finding, its fix indented below. */
export function formatFindings(findings: Finding[]): string {
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.filter((f) => f.severity === 'warning').length;
  const lines = findings.flatMap((f) => [`${f.id} ${f.severity}: ${f.message}`, `     fix: ${f.fix}`]);
  const summary = errors + warnings ? `check --deploy: ${errors} error(s), ${warnings} warning(s).` : 'check --deploy: no issues found.';
  return [...lines, summary].join('\n');
}

export const hasErrors = (findings: Finding[]): boolean => findings.some((f) => f.severity === 'error');
