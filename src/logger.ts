// JSON lines through pino. Call sites keep a small shape (`logger.info(msg, fields)`) and pass ids and codes, never
// tokens, secrets or passwords; redaction below is the second line of defence should one slip into `fields`. Every
// line written while a request runs carries its request id (src/http/middleware/request-context.ts sets it).
import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type DestinationStream } from 'pino';

export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** The request a line belongs to: the request-id middleware runs the rest of the request inside it. */
export const requestScope = new AsyncLocalStorage<string>();

/**
 * Keys whose values are never written, at the top of a line's fields or one level down (a `headers` or `body`
 * object): credentials of RFC 6749 §2.3.1 and §4.1.3, tokens, passwords, cookies, PKCE verifiers, assertions.
 */
const SECRET_KEYS = ['authorization', 'cookie', 'set-cookie', 'client_secret', 'password', 'code', 'code_verifier', 'token', 'access_token', 'refresh_token', 'id_token', 'device_code', 'user_code', 'assertion', 'client_assertion', 'secret', 'oauth_signature', 'oauth_token_secret'];
export const REDACTED_PATHS = SECRET_KEYS.flatMap((k) => [`["${k}"]`, `*["${k}"]`]);

/** Writes to a stream pino understands, or to a function given each line without its newline (tests). */
export function createLogger(dest: ((line: string) => void) | DestinationStream = pino.destination({ dest: 2, sync: true })): Logger {
  const stream: DestinationStream = typeof dest === 'function' ? { write: (s: string) => dest(s.endsWith('\n') ? s.slice(0, -1) : s) } : dest;
  const log = pino({
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    // A line's own requestId (given by the caller) wins; otherwise the current request's.
    mixin: () => { const requestId = requestScope.getStore(); return requestId ? { requestId } : {}; },
  }, stream);
  const at = (level: 'info' | 'warn' | 'error') => (msg: string, fields?: Record<string, unknown>) => { if (fields) log[level](fields, msg); else log[level](msg); };
  return { info: at('info'), warn: at('warn'), error: at('error') };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
