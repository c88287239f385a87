// The full authorization-code round as a logged-in browser and its client do it: authorize POST → code →
// token exchange. Measured as rounds per second with N concurrent workers (plain fetch, not autocannon).
import { pkce } from './scenarios.ts';

async function session(base: string, username: string, password: string) {
  const jar = new Map<string, string>();
  const keep = (res: Response) => { for (const c of res.headers.getSetCookie()) { const [p] = c.split(';'); const i = p.indexOf('='); jar.set(p.slice(0, i), p.slice(i + 1)); } };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  let res = await fetch(`${base}/accounts/login/`);
  keep(res);
  const csrf = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(await res.text())![1];
  res = await fetch(`${base}/accounts/login/`, { method: 'POST', redirect: 'manual', headers: { cookie: cookie(), 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrfmiddlewaretoken: csrf, username, password }) });
  keep(res);
  // The CSRF token lives in the session; the login rotated the session, so read it again.
  res = await fetch(`${base}/o/applications/`, { headers: { cookie: cookie() } });
  keep(res);
  return { cookie: cookie(), csrf: /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(await res.text())![1] };
}

export async function codeRounds(base: string, o: { clientId: string; clientSecret: string; username: string; password: string; workers: number; seconds: number }) {
  const s = await session(base, o.username, o.password);
  const auth = `Basic ${Buffer.from(`${o.clientId}:${o.clientSecret}`).toString('base64')}`;
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + o.seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      const { verifier, challenge } = pkce();
      const a = await fetch(`${base}/o/authorize/`, { method: 'POST', redirect: 'manual', headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrfmiddlewaretoken: s.csrf, client_id: o.clientId, response_type: 'code', redirect_uri: 'https://bench.local/cb', scope: 'read', allow: 'Authorize', code_challenge: challenge, code_challenge_method: 'S256' }) });
      const code = a.status === 302 ? new URL(a.headers.get('location')!).searchParams.get('code') : null;
      await a.arrayBuffer();
      if (!code) { errors++; continue; }
      const t = await fetch(`${base}/o/token/`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: 'https://bench.local/cb', code_verifier: verifier }) });
      await t.arrayBuffer();
      if (t.status !== 200) errors++;
      else latencies.push(performance.now() - t0);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: o.workers }, worker));
  const elapsed = (performance.now() - t0) / 1000;
  latencies.sort((x, y) => x - y);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return { perSecond: latencies.length / elapsed, p50: pct(0.5), p99: pct(0.99), total: latencies.length, errors };
}
