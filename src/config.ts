// One typed configuration object: defaults below, overridden from the environment by loadConfig().
// Every value is validated at start so a bad deployment fails loudly instead of misbehaving later.
import { scopeDescriptions } from './oauth2/scope.ts';

export interface GatehouseConfig {
  /** 'production' refuses insecure defaults (session keys, pepper, encryption key). */
  env: 'development' | 'production' | 'test';
  port: number;
  host: string | undefined;
  /** RFC 8414 issuer identifier; also the `iss` of RFC 9207 authorization responses. */
  issuer: string;
  database: {
    /** postgres://… switches to PostgreSQL; unset means the embedded SQLite file. */
    url: string | undefined;
    /** SQLite file path, or ':memory:' for tests. */
    file: string;
    /** PostgreSQL: longest wait for a connection (opening one, or a free one from the pool), in milliseconds. */
    connectTimeoutMs: number;
    /** PostgreSQL: longest wait for one statement's answer; past it the request is answered 503 (migrations: none). */
    queryTimeoutMs: number;
  };
  /** koa-session signing keys, newest first (rotation keeps old ones verifying). */
  sessionKeys: string[];
  /** Server-side key for HMAC-SHA-256 of client secrets. */
  secretPepper: string;
  /** 32-byte key (hex or base64) for AES-256-GCM of OAuth 1 shared secrets. */
  encryptionKey: string;
  /** Lifetimes in seconds. */
  tokens: { accessTokenTtl: number; refreshTokenTtl: number; authorizationCodeTtl: number; oauth1TemporaryTtl: number };
  /** Plain http allowed (local development): cookies lose `Secure`, OAuth 1 PLAINTEXT works without TLS. */
  allowInsecureTransport: boolean;
  /** Honour X-Forwarded-For / X-Forwarded-Proto from a reverse proxy. */
  trustProxy: boolean;
  /**
   * `origins`/`allowAll`: CORS for the protocol endpoints. `adminOrigins`: the only origins whose pages may call the
   * admin API (/graphql) cross-origin, cookies included (ADMIN_ORIGINS); same-origin pages need none.
   */
  cors: { allowAll: boolean; origins: string[]; adminOrigins: string[] };
  pkce: { allowPlain: boolean };
  /** 'auto' skips consent for scopes already granted; 'force' always asks. */
  approvalPrompt: 'auto' | 'force';
  /** Scopes Gatehouse knows, with the words the consent page shows. */
  scopes: Record<string, string>;
  defaultScopes: string[];
  /** First-start admin account; the password is generated and printed once when unset. */
  admin: { username: string; password: string | undefined };
  /** Failed logins per (username, source), per username from all sources, per source; failed client authentications per (client_id, source); within the window. */
  rateLimit: { loginPerUsername: number; loginPerUsernameAllSources: number; loginPerIp: number; windowSeconds: number; clientAuthFailures: number };
  playground: boolean;
  /** Shared state for several instances (sessions, rate limits, OAuth 1 nonces, client-cache invalidation). */
  redisUrl: string | undefined;
  /** Prefix of every Redis key and channel, so several deployments can share one Redis. */
  redisPrefix: string;
  /** Longest wait for one Redis command's answer, in milliseconds; past it the request is answered 503. */
  redisCommandTimeoutMs: number;
  /** Body size limit for forms and JSON. */
  bodyLimit: string;
  logRequests: boolean;
}

const DEV_SESSION_KEY = 'gatehouse-dev-session-key-change-me';
const DEV_PEPPER = 'gatehouse-dev-pepper-change-me';
const DEV_ENCRYPTION_KEY = '0'.repeat(64);

export const defaults: GatehouseConfig = {
  env: 'development',
  port: 8000,
  host: undefined,
  issuer: 'http://localhost:8000',
  database: { url: undefined, file: 'gatehouse.sqlite', connectTimeoutMs: 5000, queryTimeoutMs: 5000 },
  sessionKeys: [DEV_SESSION_KEY],
  secretPepper: DEV_PEPPER,
  encryptionKey: DEV_ENCRYPTION_KEY,
  tokens: { accessTokenTtl: 3600, refreshTokenTtl: 30 * 24 * 3600, authorizationCodeTtl: 60, oauth1TemporaryTtl: 600 },
  allowInsecureTransport: true,
  trustProxy: false,
  cors: { allowAll: false, origins: [], adminOrigins: [] },
  pkce: { allowPlain: false },
  approvalPrompt: 'auto',
  scopes: scopeDescriptions(),
  defaultScopes: ['read'],
  admin: { username: 'admin', password: undefined },
  rateLimit: { loginPerUsername: 5, loginPerUsernameAllSources: 100, loginPerIp: 20, windowSeconds: 900, clientAuthFailures: 20 },
  playground: true,
  redisUrl: undefined,
  redisPrefix: 'gatehouse:',
  redisCommandTimeoutMs: 2000,
  bodyLimit: '100kb',
  logRequests: false,
};

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid Gatehouse configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export type ConfigOverrides = Partial<Omit<GatehouseConfig, 'database' | 'tokens' | 'cors' | 'pkce' | 'admin' | 'rateLimit'>> & {
  database?: Partial<GatehouseConfig['database']>;
  tokens?: Partial<GatehouseConfig['tokens']>;
  cors?: Partial<GatehouseConfig['cors']>;
  pkce?: Partial<GatehouseConfig['pkce']>;
  admin?: Partial<GatehouseConfig['admin']>;
  rateLimit?: Partial<GatehouseConfig['rateLimit']>;
};

type Env = Record<string, string | undefined>;

/** Reads the environment into overrides; malformed values are collected as problems, not guessed. */
export function overridesFromEnv(env: Env, problems: string[]): ConfigOverrides {
  const int = (name: string): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    if (!/^\d+$/.test(raw.trim())) { problems.push(`${name} must be a whole number, got "${raw}"`); return undefined; }
    return Number(raw);
  };
  const bool = (name: string): boolean | undefined => {
    const raw = env[name]?.trim().toLowerCase();
    if (raw === undefined || raw === '') return undefined;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    problems.push(`${name} must be true or false, got "${env[name]}"`);
    return undefined;
  };
  const list = (name: string): string[] | undefined =>
    env[name] === undefined ? undefined : env[name]!.split(/[,\s]+/).filter(Boolean);
  const str = (name: string): string | undefined => (env[name] === undefined || env[name] === '' ? undefined : env[name]);

  const nodeEnv = str('NODE_ENV');
  const o: ConfigOverrides = {
    env: nodeEnv as GatehouseConfig['env'] | undefined,
    port: int('PORT'),
    host: str('HOST'),
    issuer: str('ISSUER'),
    database: { url: str('DATABASE_URL'), file: str('DB_FILE'), connectTimeoutMs: int('DB_CONNECT_TIMEOUT_MS'), queryTimeoutMs: int('DB_QUERY_TIMEOUT_MS') },
    sessionKeys: list('SESSION_KEYS'),
    secretPepper: str('SECRET_PEPPER'),
    encryptionKey: str('ENCRYPTION_KEY'),
    tokens: {
      accessTokenTtl: int('ACCESS_TOKEN_TTL'),
      refreshTokenTtl: int('REFRESH_TOKEN_TTL'),
      authorizationCodeTtl: int('AUTHORIZATION_CODE_TTL'),
      oauth1TemporaryTtl: int('OAUTH1_TEMPORARY_TTL'),
    },
    allowInsecureTransport: bool('ALLOW_INSECURE_TRANSPORT'),
    trustProxy: bool('TRUST_PROXY'),
    cors: { allowAll: bool('CORS_ALLOW_ALL'), origins: list('CORS_ORIGINS'), adminOrigins: list('ADMIN_ORIGINS') },
    pkce: { allowPlain: bool('PKCE_ALLOW_PLAIN') },
    approvalPrompt: str('APPROVAL_PROMPT') as GatehouseConfig['approvalPrompt'] | undefined,
    defaultScopes: list('DEFAULT_SCOPES'),
    admin: { username: str('ADMIN_USERNAME'), password: str('ADMIN_PASSWORD') },
    rateLimit: { loginPerUsername: int('LOGIN_LIMIT_PER_USERNAME'), loginPerUsernameAllSources: int('LOGIN_LIMIT_PER_USERNAME_ALL_SOURCES'), loginPerIp: int('LOGIN_LIMIT_PER_IP'), windowSeconds: int('RATE_LIMIT_WINDOW'), clientAuthFailures: int('CLIENT_AUTH_FAILURE_LIMIT') },
    playground: bool('PLAYGROUND'),
    redisUrl: str('REDIS_URL'),
    redisPrefix: str('REDIS_PREFIX'),
    redisCommandTimeoutMs: int('REDIS_COMMAND_TIMEOUT_MS'),
    logRequests: bool('LOG_REQUESTS'),
  };
  return o;
}

function merge(base: GatehouseConfig, o: ConfigOverrides): GatehouseConfig {
  const pick = <T extends object>(b: T, p: Partial<T> | undefined): T => {
    const out = { ...b };
    for (const [k, v] of Object.entries(p ?? {})) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
    return out;
  };
  const top = pick(base, o as Partial<GatehouseConfig>);
  return {
    ...top,
    database: pick(base.database, o.database),
    tokens: pick(base.tokens, o.tokens),
    cors: pick(base.cors, o.cors),
    pkce: pick(base.pkce, o.pkce),
    admin: pick(base.admin, o.admin),
    rateLimit: pick(base.rateLimit, o.rateLimit),
  };
}

/** Builds and validates the configuration; throws ConfigError listing every problem at once. */
export function resolveConfig(overrides: ConfigOverrides = {}, problems: string[] = []): GatehouseConfig {
  const production = overrides.env === 'production';
  const base: GatehouseConfig = { ...defaults, allowInsecureTransport: !production };
  const c = merge(base, overrides);
  if (overrides.issuer === undefined) c.issuer = `http://localhost:${c.port}`;
  c.issuer = c.issuer.replace(/\/+$/, '');

  if (!['development', 'production', 'test'].includes(c.env)) problems.push(`NODE_ENV must be development, production or test, got "${c.env}"`);
  if (!Number.isInteger(c.port) || c.port < 0 || c.port > 65535) problems.push(`PORT must be 0-65535, got ${c.port}`);
  let issuerUrl: URL | undefined;
  try { issuerUrl = new URL(c.issuer); } catch { problems.push(`ISSUER must be an absolute URL, got "${c.issuer}"`); }
  // RFC 8414 §2: the issuer has no query or fragment.
  if (issuerUrl && (issuerUrl.search || issuerUrl.hash)) problems.push('ISSUER must not have a query or fragment');
  if (issuerUrl && issuerUrl.protocol !== 'https:' && !c.allowInsecureTransport) problems.push('ISSUER must be https unless ALLOW_INSECURE_TRANSPORT=true');
  if (c.database.url && !/^postgres(ql)?:\/\//.test(c.database.url)) problems.push('DATABASE_URL must start with postgres:// (or leave it unset for SQLite)');
  if (c.sessionKeys.length === 0) problems.push('SESSION_KEYS must list at least one key');
  for (const [name, v] of Object.entries(c.tokens)) if (!Number.isInteger(v) || v <= 0) problems.push(`token lifetime ${name} must be a positive number of seconds`);
  if (!['auto', 'force'].includes(c.approvalPrompt)) problems.push(`APPROVAL_PROMPT must be auto or force, got "${c.approvalPrompt}"`);
  if (!/^[0-9a-fA-F]{64}$/.test(c.encryptionKey) && Buffer.from(c.encryptionKey, 'base64').length !== 32) problems.push('ENCRYPTION_KEY must be 32 bytes, as 64 hex characters or base64');
  for (const s of c.defaultScopes) if (!(s in c.scopes)) problems.push(`DEFAULT_SCOPES names unknown scope "${s}"`);
  if (c.redisUrl && !/^rediss?:\/\//.test(c.redisUrl)) problems.push('REDIS_URL must start with redis://');
  // An origin is compared as the browser sends it: scheme://host[:port], nothing more.
  for (const o of c.cors.adminOrigins) if (URL.parse(o)?.origin !== o) problems.push(`ADMIN_ORIGINS entries must be origins such as https://admin.example.com, got "${o}"`);
  // Every wait has a bound (docs/security.md): a connect or command timeout of 0 would mean "wait forever".
  if (!(c.database.connectTimeoutMs > 0)) problems.push('DB_CONNECT_TIMEOUT_MS must be a positive number of milliseconds');
  if (!(c.database.queryTimeoutMs > 0)) problems.push('DB_QUERY_TIMEOUT_MS must be a positive number of milliseconds');
  if (!(c.redisCommandTimeoutMs > 0)) problems.push('REDIS_COMMAND_TIMEOUT_MS must be a positive number of milliseconds');

  if (c.env === 'production') {
    if (c.sessionKeys.includes(DEV_SESSION_KEY) || c.sessionKeys.some((k) => k.length < 32)) problems.push('production needs SESSION_KEYS of at least 32 characters each (the default key is refused)');
    if (c.secretPepper === DEV_PEPPER || c.secretPepper.length < 32) problems.push('production needs SECRET_PEPPER of at least 32 characters (the default is refused)');
    if (c.encryptionKey === DEV_ENCRYPTION_KEY) problems.push('production needs ENCRYPTION_KEY (32 random bytes); the default is refused');
  }
  if (problems.length) throw new ConfigError(problems);
  return c;
}

/** The server's configuration from the environment (NODE_ENV, PORT, DATABASE_URL, …). */
export function loadConfig(env: Env = process.env, extra: ConfigOverrides = {}): GatehouseConfig {
  const problems: string[] = [];
  const fromEnv = overridesFromEnv(env, problems);
  return resolveConfig(merge2(fromEnv, extra), problems);
}

function merge2(a: ConfigOverrides, b: ConfigOverrides): ConfigOverrides {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    if (v === undefined) continue;
    const prev = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && prev && typeof prev === 'object' ? { ...prev, ...v } : v;
  }
  return out as ConfigOverrides;
}
