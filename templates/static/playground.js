// Gatehouse OAuth playground: a real OAuth 2 / OAuth 1.0a client running in this page. Every request goes over
// HTTP to this server's public endpoints and is shown with its response. State survives the redirect to the
// consent page in sessionStorage (this tab only).
(() => {
  const $ = (sel) => document.querySelector(sel);
  const log = $('#pg-log');
  const store = {
    get: () => JSON.parse(sessionStorage.getItem('gatehouse-playground') || '{}'),
    set: (patch) => sessionStorage.setItem('gatehouse-playground', JSON.stringify({ ...store.get(), ...patch })),
  };
  const origin = location.origin;
  const callback = `${origin}/o/playground/callback`;
  const b64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  const random = (n = 32) => b64url(crypto.getRandomValues(new Uint8Array(n)));
  const sha256 = async (s) => b64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s)));

  function step(title, lines) {
    const section = document.createElement('section');
    section.className = 'pg-step';
    const h = document.createElement('h3');
    h.textContent = title;
    const pre = document.createElement('pre');
    pre.textContent = lines.join('\n');
    section.append(h, pre);
    log.prepend(section);
    return section;
  }

  /** Sends a request and shows it, with the response, as one step. */
  async function send(title, method, url, headers = {}, body) {
    const shown = [`${method} ${url}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
    if (body) shown.push('', body);
    const res = await fetch(url, { method, headers, body, credentials: 'omit' });
    const text = await res.text();
    let pretty = text;
    try { pretty = JSON.stringify(JSON.parse(text), null, 2); } catch { /* not JSON */ }
    const keep = ['content-type', 'cache-control', 'www-authenticate', 'pragma'];
    const resHeaders = keep.filter((k) => res.headers.get(k)).map((k) => `${k}: ${res.headers.get(k)}`);
    step(`${title} → ${res.status}`, [...shown, '', '--- response ---', `HTTP ${res.status}`, ...resHeaders, '', pretty]).dataset.status = String(res.status);
    return { status: res.status, text, json: () => JSON.parse(text) };
  }

  const client = () => {
    const s = store.get();
    return { id: s.clientId || $('#pg-client-id').value.trim(), secret: s.clientSecret ?? $('#pg-client-secret').value };
  };
  const formBody = (o) => new URLSearchParams(o).toString();
  function authFor(c, params) {
    // RFC 6749 §2.3.1: confidential clients use Basic (id and secret form-encoded first); public ones send client_id.
    if (!c.secret) return { headers: {}, params: { ...params, client_id: c.id } };
    const enc = (s) => encodeURIComponent(s).replace(/%20/g, '+');
    return { headers: { Authorization: `Basic ${btoa(`${enc(c.id)}:${enc(c.secret)}`)}` }, params };
  }
  async function tokenRequest(title, params) {
    const a = authFor(client(), params);
    const r = await send(title, 'POST', `${origin}/o/token/`, { 'Content-Type': 'application/x-www-form-urlencoded', ...a.headers }, formBody(a.params));
    if (r.status === 200) { store.set({ tokens: r.json() }); showTokens(); }
    return r;
  }
  function showTokens() {
    const t = store.get().tokens;
    $('#pg-token-actions').hidden = !t;
    if (t) $('#pg-current').textContent = `access_token ${t.access_token.slice(0, 10)}…  refresh_token ${t.refresh_token ? t.refresh_token.slice(0, 10) + '…' : '(none)'}  scope "${t.scope}"`;
  }

  function remember() {
    store.set({ clientId: $('#pg-client-id').value.trim(), clientSecret: $('#pg-client-secret').value, scope: $('#pg-scope').value.trim(), tokens: null });
  }

  // Authorization code + PKCE (RFC 6749 §4.1, RFC 7636).
  $('#pg-code')?.addEventListener('click', async () => {
    remember();
    const verifier = random(32);
    const state = random(12);
    store.set({ verifier, state, flow: 'code' });
    const url = new URL(`${origin}/o/authorize/`);
    url.search = formBody({ response_type: 'code', client_id: client().id, redirect_uri: callback, scope: store.get().scope, state, code_challenge: await sha256(verifier), code_challenge_method: 'S256' });
    step('1. Authorization request (open it; you will come back here)', [`verifier ${verifier}`, `challenge = BASE64URL(SHA-256(verifier))`, '', url.toString()]);
    const a = document.createElement('a');
    a.href = url.toString();
    a.textContent = 'Open the consent page';
    a.className = 'button primary';
    a.id = 'pg-open';
    log.firstChild.append(a);
  });

  $('#pg-cc')?.addEventListener('click', async () => { remember(); await tokenRequest('Client credentials (RFC 6749 §4.4)', { grant_type: 'client_credentials', scope: store.get().scope }); });
  $('#pg-refresh')?.addEventListener('click', () => tokenRequest('Refresh (RFC 6749 §6)', { grant_type: 'refresh_token', refresh_token: store.get().tokens.refresh_token }));
  $('#pg-hello')?.addEventListener('click', () => send('Protected resource (RFC 6750)', 'GET', `${origin}/api/hello`, { Authorization: `Bearer ${store.get().tokens.access_token}` }));
  for (const [button, path, title] of [['#pg-introspect', '/o/introspect/', 'Introspection (RFC 7662)'], ['#pg-revoke', '/o/revoke_token/', 'Revocation (RFC 7009)']]) {
    $(button)?.addEventListener('click', () => {
      const a = authFor(client(), { token: store.get().tokens.access_token });
      return send(title, 'POST', `${origin}${path}`, { 'Content-Type': 'application/x-www-form-urlencoded', ...a.headers }, formBody(a.params));
    });
  }

  // OAuth 1.0a (RFC 5849): HMAC-SHA1 computed here, the signature base string shown.
  const pct = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  async function oauth1(title, method, url, extra, token) {
    const c = client();
    const params = { oauth_consumer_key: c.id, oauth_nonce: random(12), oauth_signature_method: 'HMAC-SHA1', oauth_timestamp: String(Math.floor(Date.now() / 1000)), oauth_version: '1.0', ...extra };
    if (token) params.oauth_token = token.key;
    const u = new URL(url);
    const all = [...Object.entries(params), ...u.searchParams].map(([k, v]) => [pct(k), pct(v)]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : 1));
    const base = [method, `${u.origin}${u.pathname}`, all.map(([k, v]) => `${k}=${v}`).join('&')].map(pct).join('&');
    const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(`${pct(c.secret)}&${pct(token?.secret ?? '')}`), { name: 'HMAC', hash: 'SHA-1' }, false, ['sign']);
    params.oauth_signature = btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(base)))));
    step(`${title}: signature base string`, [base]);
    const header = `OAuth realm="gatehouse", ${Object.entries(params).map(([k, v]) => `${pct(k)}="${pct(v)}"`).join(', ')}`;
    return send(title, method, url, { Authorization: header });
  }
  $('#pg-oauth1')?.addEventListener('click', async () => {
    remember();
    store.set({ flow: 'oauth1' });
    const r = await oauth1('1. Temporary credentials (RFC 5849 §2.1)', 'POST', `${origin}/oauth1/initiate`, { oauth_callback: callback });
    if (r.status !== 200) return;
    const temp = Object.fromEntries(new URLSearchParams(r.text));
    store.set({ temp });
    const a = document.createElement('a');
    a.href = `${origin}/oauth1/authorize?oauth_token=${encodeURIComponent(temp.oauth_token)}`;
    a.textContent = 'Open the OAuth 1 authorization page';
    a.className = 'button primary';
    a.id = 'pg-open';
    log.firstChild.append(a);
  });

  // Back from the authorization server.
  async function resume() {
    const q = new URLSearchParams(location.search);
    const s = store.get();
    if (!q.toString()) return;
    step('Redirect back to the playground', [location.href]);
    if (s.flow === 'code') {
      if (q.get('state') !== s.state) { step('State mismatch: refusing the response (RFC 6749 §10.12)', []); return; }
      if (q.get('code')) await tokenRequest('2. Code exchange (RFC 6749 §4.1.3)', { grant_type: 'authorization_code', code: q.get('code'), redirect_uri: callback, code_verifier: s.verifier });
    } else if (s.flow === 'oauth1' && q.get('oauth_verifier')) {
      const r = await oauth1('3. Token credentials (RFC 5849 §2.3)', 'POST', `${origin}/oauth1/token`, { oauth_verifier: q.get('oauth_verifier') }, { key: s.temp.oauth_token, secret: s.temp.oauth_token_secret });
      if (r.status !== 200) return;
      const creds = Object.fromEntries(new URLSearchParams(r.text));
      await oauth1('4. Protected resource (RFC 5849 §3)', 'GET', `${origin}/api/oauth1/user`, {}, { key: creds.oauth_token, secret: creds.oauth_token_secret });
    }
    history.replaceState(null, '', `${origin}/o/playground/callback`);
  }

  $('#pg-app')?.addEventListener('change', (e) => {
    const opt = e.target.selectedOptions[0];
    $('#pg-client-id').value = opt.value;
    $('#pg-scope').value = opt.dataset.scopes || '';
  });
  showTokens();
  resume();
})();
