// The full authorization-code round as a logged-in browser and its client do it: consent page GET → its form POSTed → code → token
// exchange (PKCE S256); and the OpenID Connect code flow of a user who already consented: authorize GET (scope openid,
// nonce, PKCE) → code → token exchange with an ID Token, on Gatehouse, bare Koa and node-oidc-provider alike.
// The code round is measured as rounds per second with N concurrent workers — plain fetch; the OpenID Connect one
// is an autocannon request sequence (its req/s counts both requests of a round).
import { basic, pkce } from './scenarios.ts';
import type { ServerKind } from './server.ts';

const CSRF = /name="csrfmiddlewaretoken" value="([^"]+)"/;
const FORM_ONCE = /name="form_once" value="([^"]+)"/;

/**
 * A consent as a browser gives it: GET the authorization request (the consent page, or a code at once when consent
 * is remembered), then POST the form with its CSRF field and its one-time `form_once` token (each consent form is
 * single-use, src/http/consent-form.ts). Answers the response that carries the code in its Location.
 */
async function consent(base: string, s: { cookie: string; csrf: string }, fields: Record<string, string>, signal: () => AbortSignal): Promise<Response> {
  const page = await fetch(`${base}/o/authorize/?${new URLSearchParams(fields)}`, { headers: { cookie: s.cookie }, redirect: 'manual', signal: signal() });
  const html = await page.text();
  // Consent remembered: the code is in this answer (its body already read here).
  if (page.status === 302) return new Response(null, { status: 302, headers: page.headers });
  const once = FORM_ONCE.exec(html)?.[1];
  return fetch(`${base}/o/authorize/`, { method: 'POST', redirect: 'manual', signal: signal(), headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...fields, csrfmiddlewaretoken: s.csrf, allow: 'Authorize', ...(once ? { form_once: once } : {}) }) });
}
const REDIRECT_URI = 'https://bench.local/cb';

export interface CodeRoundOptions { clientId: string; clientSecret: string; username: string; password: string; workers: number; seconds: number }
export interface CodeRoundResult { perSecond: number; p50: number; p99: number; total: number; errors: number; firstError?: string }

/** A cookie jar for one signed-in browser, shared by the workers. */
function jar() {
  const cookies = new Map<string, string>();
  return {
    keep: (res: Response) => {
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const i = pair.indexOf('=');
        cookies.set(pair.slice(0, i), pair.slice(i + 1));
      }
    },
    header: () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
  };
}

/** Logs in once: GET the login form (CSRF field + cookies), POST it, then read the consent form's CSRF field. */
export async function login(base: string, o: CodeRoundOptions) {
  const j = jar();
  const keep = j.keep, cookie = j.header;
  const signal = () => AbortSignal.timeout(30_000);
  let res = await fetch(`${base}/accounts/login/`, { signal: signal() });
  keep(res);
  const csrf = CSRF.exec(await res.text())?.[1];
  if (!csrf) throw new Error('login page has no csrfmiddlewaretoken');
  res = await fetch(`${base}/accounts/login/`, { method: 'POST', redirect: 'manual', signal: signal(), headers: { cookie: cookie(), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrfmiddlewaretoken: csrf, username: o.username, password: o.password }) });
  keep(res);
  await res.arrayBuffer();
  if (res.status !== 302 && res.status !== 303) throw new Error(`login answered ${res.status}`);
  // Logging in may rotate the session and its CSRF secret: read the field from the consent page, as a browser would.
  const q = new URLSearchParams({ client_id: o.clientId, response_type: 'code', redirect_uri: REDIRECT_URI, scope: 'read', code_challenge: pkce().challenge, code_challenge_method: 'S256' });
  res = await fetch(`${base}/o/authorize/?${q}`, { headers: { cookie: cookie() }, redirect: 'manual', signal: signal() });
  keep(res);
  let consentCsrf = CSRF.exec(await res.text())?.[1];
  if (!consentCsrf) {
    // An earlier grant (the fixture's password grants) lets the GET skip the consent page; any form page carries the field.
    res = await fetch(`${base}/o/applications/`, { headers: { cookie: cookie() }, redirect: 'manual', signal: signal() });
    keep(res);
    consentCsrf = CSRF.exec(await res.text())?.[1];
  }
  if (!consentCsrf) throw new Error(`no csrfmiddlewaretoken after login (${res.status})`);
  return { cookie: cookie(), csrf: consentCsrf };
}

export async function codeRounds(base: string, o: CodeRoundOptions): Promise<CodeRoundResult> {
  const s = await login(base, o);
  const auth = basic(o);
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const fail = (why: string) => { errors++; firstError ??= why; };
  const deadline = performance.now() + o.seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      try {
        const { verifier, challenge } = pkce();
        const a = await consent(base, s, { client_id: o.clientId, response_type: 'code', redirect_uri: REDIRECT_URI, scope: 'read', code_challenge: challenge, code_challenge_method: 'S256' }, () => AbortSignal.timeout(10_000));
        await a.arrayBuffer();
        const location = a.headers.get('location');
        const code = a.status === 302 && location ? new URL(location).searchParams.get('code') : null;
        if (!code) { fail(`authorize answered ${a.status} ${location ?? ''}`); continue; }
        const t = await fetch(`${base}/o/token/`, { method: 'POST', signal: AbortSignal.timeout(10_000), headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }) });
        const body = await t.text();
        if (t.status !== 200) fail(`token answered ${t.status} ${body.slice(0, 200)}`);
        else latencies.push(performance.now() - t0);
      } catch (e) { fail(String(e)); }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: o.workers }, worker));
  const elapsed = (performance.now() - t0) / 1000;
  latencies.sort((x, y) => x - y);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return { perSecond: latencies.length / elapsed, p50: pct(0.5), p99: pct(0.99), total: latencies.length, errors, firstError };
}

const oidcQuery = (o: Pick<CodeRoundOptions, 'clientId'>, challenge: string, nonce: string) =>
  new URLSearchParams({ client_id: o.clientId, response_type: 'code', redirect_uri: REDIRECT_URI, scope: 'openid', nonce, code_challenge: challenge, code_challenge_method: 'S256' });

/**
 * Signs in and pre-grants consent to scope openid, so that each round's GET of the authorization endpoint answers
 * with a code at once: on Gatehouse (and bare Koa) the login form and one consent POST (approval prompt "auto" then
 * skips the page); on oidc-provider the authorization request's login interaction, answered by the bench server
 * without a page (its loadExistingGrant pre-grants consent). Answers the session's cookie header.
 */
export async function oidcLogin(base: string, o: CodeRoundOptions, server: ServerKind): Promise<string> {
  const signal = () => AbortSignal.timeout(30_000);
  if (server !== 'oidc-provider') {
    const s = await login(base, o);
    const { challenge } = pkce();
    const r = await consent(base, s, Object.fromEntries(oidcQuery(o, challenge, 'consent')), signal);
    await r.arrayBuffer();
    if (r.status !== 302) throw new Error(`consent to openid answered ${r.status}`);
    return s.cookie;
  }
  const j = jar();
  let url = `${base}/o/authorize/?${oidcQuery(o, pkce().challenge, 'login')}`;
  for (let hop = 0; hop < 6; hop++) {
    const r = await fetch(url, { redirect: 'manual', headers: { cookie: j.header() }, signal: signal() });
    j.keep(r);
    await r.arrayBuffer();
    const location = r.headers.get('location');
    if (!location) throw new Error(`oidc-provider login: ${url} answered ${r.status} without a redirect`);
    if (location.startsWith(REDIRECT_URI)) return j.header();
    url = new URL(location, base).href;
  }
  throw new Error('oidc-provider login: too many redirects');
}

/** Failed OpenID Connect rounds of one measurement (autocannon counts the 302s as non-2xx, so it cannot tell). */
export interface Tally { failed: number; first?: string }

/**
 * The OpenID Connect code flow of a signed-in user with consent already given, as an autocannon request sequence
 * (each connection a browser of the same session): GET the authorization endpoint with scope openid, a nonce and
 * PKCE → 302 with a code → token exchange, whose ID Token must carry the nonce (read, not verified: the load
 * generator checks that the work was done; the relying-party tests check signatures). Bare Koa answers no ID Token.
 */
export function oidcRequests(o: Pick<CodeRoundOptions, 'clientId' | 'clientSecret'>, cookie: string, server: ServerKind, tally: Tally): object[] {
  type Round = { verifier?: string; nonce?: string; code?: string | null };
  const fail = (why: string) => { tally.failed++; tally.first ??= why; };
  return [
    {
      method: 'GET', headers: { cookie },
      setupRequest: (r: object, c: Round) => {
        const { verifier, challenge } = pkce();
        c.verifier = verifier;
        c.nonce = pkce().verifier;
        return { ...r, path: `/o/authorize/?${oidcQuery(o, challenge, c.nonce)}` };
      },
      onResponse: (status: number, _body: string, c: Round, headers: Record<string, string>) => {
        const location = headers.location ?? headers.Location;
        c.code = (status === 302 || status === 303) && location ? new URL(location).searchParams.get('code') : null;
        if (!c.code) fail(`authorize answered ${status} ${location ?? ''}`);
      },
    },
    {
      method: 'POST', path: '/o/token/', headers: { authorization: basic(o), 'content-type': 'application/x-www-form-urlencoded' },
      // No code: start the round again (autocannon restarts the sequence on a falsy request).
      setupRequest: (r: object, c: Round) => c.code ? { ...r, body: new URLSearchParams({ grant_type: 'authorization_code', code: c.code, redirect_uri: REDIRECT_URI, code_verifier: c.verifier! }).toString() } : null,
      onResponse: (status: number, body: string, c: Round) => {
        if (status !== 200) return fail(`token answered ${status} ${body.slice(0, 200)}`);
        if (server === 'baseline') return;
        const t = JSON.parse(body) as { id_token?: string };
        const claims = JSON.parse(Buffer.from(t.id_token?.split('.')[1] ?? '', 'base64url').toString() || '{}') as { nonce?: string };
        if (claims.nonce !== c.nonce) fail(`no ID Token with the nonce: ${body.slice(0, 200)}`);
      },
    },
  ];
}
