import { createHash, timingSafeEqual } from 'node:crypto';
import { bearerChallenge } from '../oauth2/challenge.ts';
import type { Context, Middleware } from 'koa';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type Router from './router.ts';
import { protocolRouter } from './router.ts';

/**
 * Prometheus metrics of one app. Each createApp() has its own Registry (never prom-client's global one), so
 * several apps in one process (the test suites) count apart. Every label value comes from a closed set (route
 * templates, grant types Gatehouse knows, RFC error codes it answers): a caller cannot grow the series by sending
 * new paths or grant_type values. Metrics name ids of nothing: no client, user, token or path.
 */
export interface Metrics {
  registry: Registry;
  /** The one middleware that records what a request did (instrumentation lives here, not in the endpoints). */
  middleware: Middleware;
}

/** Grant types counted by name; anything else is counted as `other` (label values stay bounded). */
const KNOWN_GRANTS = new Set(['authorization_code', 'client_credentials', 'refresh_token', 'password', 'urn:ietf:params:oauth:grant-type:device_code', 'urn:ietf:params:oauth:grant-type:jwt-bearer', 'urn:ietf:params:oauth:grant-type:token-exchange']);
/** RFC 6749 §5.2 / §4.1.2.1 and RFC 6750 codes, and the few of Gatehouse's own: any other string is `other`. */
const KNOWN_ERRORS = new Set(['invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope', 'access_denied', 'unsupported_response_type', 'server_error', 'temporarily_unavailable', 'invalid_token', 'insufficient_scope', 'login_required', 'consent_required', 'interaction_required', 'invalid_request_uri', 'invalid_request_object', 'invalid_client_metadata', 'invalid_redirect_uri', 'slow_down', 'authorization_pending', 'expired_token', 'invalid_target', 'invalid_dpop_proof', 'use_dpop_nonce', 'too_many_requests', 'not_found', 'method_not_allowed']);
const bounded = (v: unknown, known: Set<string>): string => (typeof v === 'string' && known.has(v) ? v : 'other');

export interface MetricsSources {
  /** Live GraphQL event subscriptions on this instance. */
  subscribers(): number;
  /** Redis, when configured (its gauge is absent without it). */
  redis?: { ping(): Promise<unknown> };
  /** The database's cheapest query (the one /readyz runs). */
  dbPing(): Promise<unknown>;
}

/** A probe answers within this or counts as down: a scrape is never held by a silent database. */
export const METRICS_PING_TIMEOUT_MS = 1000;

async function upWithin(probe: () => Promise<unknown>, ms: number): Promise<number> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('late')), ms); });
  try { await Promise.race([probe(), late]); return 1; } catch { return 0; } finally { clearTimeout(timer); }
}

export function createMetrics(sources: MetricsSources): Metrics {
  const registry = new Registry();
  const tokens = new Counter({ name: 'gatehouse_token_requests_total', help: 'Token endpoint requests by grant type and outcome (issued or the RFC 6749 §5.2 error code).', labelNames: ['grant_type', 'outcome'], registers: [registry] });
  const authorizations = new Counter({ name: 'gatehouse_authorization_outcomes_total', help: 'Authorization endpoint answers: approved (code or token sent), denied (access_denied), error (by code), prompt (a login or consent page shown).', labelNames: ['outcome', 'error'], registers: [registry] });
  const clientAuthFailures = new Counter({ name: 'gatehouse_client_auth_failures_total', help: 'Requests refused with invalid_client, by endpoint (route template).', labelNames: ['route'], registers: [registry] });
  const throttled = new Counter({ name: 'gatehouse_throttled_requests_total', help: 'Requests answered 429 (rate limits), by endpoint (route template).', labelNames: ['route'], registers: [registry] });
  const duration = new Histogram({ name: 'gatehouse_http_request_duration_seconds', help: 'Request latency by method, route template (never the raw path) and status class.', labelNames: ['method', 'route', 'status'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry] });
  new Gauge({ name: 'gatehouse_database_up', help: 'Whether the database answered a `select 1` within 1 s at scrape time.', registers: [registry], async collect() { this.set(await upWithin(() => sources.dbPing(), METRICS_PING_TIMEOUT_MS)); } });
  if (sources.redis) {
    const redis = sources.redis;
    new Gauge({ name: 'gatehouse_redis_up', help: 'Whether Redis answered PING within 1 s at scrape time.', registers: [registry], async collect() { this.set(await upWithin(() => redis.ping(), METRICS_PING_TIMEOUT_MS)); } });
  }
  new Gauge({ name: 'gatehouse_event_subscribers', help: 'Live GraphQL `events` subscriptions on this instance.', registers: [registry], collect() { this.set(sources.subscribers()); } });

  const methods = new Set(['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH']);
  const middleware: Middleware = async (ctx, next) => {
    const t0 = performance.now();
    try {
      await next();
    } finally {
      // @koa/router leaves the template of the route it ran (e.g. /applications/:id); unmatched paths share one label.
      const route = (ctx as Context & { _matchedRoute?: string | RegExp })._matchedRoute;
      // Each endpoint is declared with and without a trailing slash: one label for both.
      const label = typeof route !== 'string' ? 'unmatched' : route.length > 1 && route.endsWith('/') ? route.slice(0, -1) : route;
      const status = ctx.status;
      duration.observe({ method: methods.has(ctx.method) ? ctx.method : 'other', route: label, status: `${Math.floor(status / 100)}xx` }, (performance.now() - t0) / 1000);
      const error = (ctx.body as { error?: unknown } | undefined)?.error;
      if (status === 429) throttled.inc({ route: label });
      if (error === 'invalid_client') clientAuthFailures.inc({ route: label });
      if (label === '/o/token' || label === '/oauth2/access_token') {
        const grant = (ctx.request as { body?: { grant_type?: unknown } }).body?.grant_type;
        tokens.inc({ grant_type: bounded(grant, KNOWN_GRANTS), outcome: status === 200 ? 'issued' : bounded(error, KNOWN_ERRORS) });
      } else if (label === '/o/authorize') {
        recordAuthorization(ctx, authorizations);
      }
    }
  };
  return { registry, middleware };
}

function recordAuthorization(ctx: Context, c: Counter<'outcome' | 'error'>): void {
  const location = ctx.response.get('Location');
  if (ctx.status >= 300 && ctx.status < 400 && location) {
    // The answer travels in the query or the fragment (RFC 6749 §4.1.2, §4.2.2; form_post renders a page instead).
    const u = URL.parse(location);
    const params = new URLSearchParams(`${u?.search.slice(1) ?? ''}&${u?.hash.slice(1) ?? ''}`);
    const error = params.get('error');
    if (error === 'access_denied') c.inc({ outcome: 'denied', error: 'access_denied' });
    else if (error) c.inc({ outcome: 'error', error: bounded(error, KNOWN_ERRORS) });
    else if (params.has('code') || params.has('access_token') || params.has('id_token')) c.inc({ outcome: 'approved', error: '' });
    else c.inc({ outcome: 'prompt', error: '' });
  } else if (ctx.status >= 400) {
    // Shown on an error page: the client's redirect_uri could not be trusted (RFC 6749 §4.1.2.1).
    c.inc({ outcome: 'error', error: bounded((ctx.body as { error?: unknown } | undefined)?.error ?? ctx.state.errorCode, KNOWN_ERRORS) });
  } else {
    c.inc({ outcome: 'prompt', error: '' });
  }
}

/** Compares bearer secrets in constant time (hashing first: timingSafeEqual wants equal lengths). */
export function sameSecret(given: string, expected: string): boolean {
  const h = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(h(given), h(expected));
}

/**
 * GET /metrics, only with `Authorization: Bearer <METRICS_TOKEN>` (RFC 6750 §3: 401 and WWW-Authenticate without
 * it). Off (METRICS=off, the default), the route does not exist: 404 as any unknown path.
 */
export function metricsRoutes(deps: { registry: Registry; token: string }): Router {
  const router = protocolRouter({ cors: false });
  router.get('/metrics', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const m = /^Bearer ([!-~]+)$/.exec(ctx.get('authorization'));
    if (!m || !sameSecret(m[1]!, deps.token)) {
      ctx.status = 401;
      ctx.set('WWW-Authenticate', bearerChallenge({ realm: 'metrics', error: m ? 'invalid_token' : undefined }));
      ctx.body = { error: m ? 'invalid_token' : 'invalid_request', error_description: 'The metrics token is required.' };
      return;
    }
    ctx.type = deps.registry.contentType;
    ctx.body = await deps.registry.metrics();
  });
  return router;
}
