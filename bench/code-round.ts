// The full authorization-code round as a logged-in browser and its client do it: authorize POST → code → token
// exchange (PKCE S256). Measured as rounds per second with N concurrent workers — plain fetch, not autocannon.
import { pkce } from './scenarios.ts';

const CSRF = /name="csrfmiddlewaretoken" value="([^"]+)"/;
const REDIRECT_URI = 'https://bench.local/cb';

export interface CodeRoundOptions { clientId: string; clientSecret: string; username: string; password: string; workers: number; seconds: number }
export interface CodeRoundResult { perSecond: number; p50: number; p99: number; total: number; errors: number; firstError?: string }

/** Logs in once: GET the login form (CSRF field + cookies), POST it, then read the consent form's CSRF field. */
export async function login(base: string, o: CodeRoundOptions) {
  const jar = new Map<string, string>();
  const keep = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      jar.set(pair.slice(0, i), pair.slice(i + 1));
    }
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
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
  const auth = `Basic ${Buffer.from(`${encodeURIComponent(o.clientId)}:${encodeURIComponent(o.clientSecret)}`).toString('base64')}`;
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
        const a = await fetch(`${base}/o/authorize/`, { method: 'POST', redirect: 'manual', signal: AbortSignal.timeout(10_000),
          headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ csrfmiddlewaretoken: s.csrf, client_id: o.clientId, response_type: 'code', redirect_uri: REDIRECT_URI, scope: 'read', allow: 'Authorize', code_challenge: challenge, code_challenge_method: 'S256' }) });
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
