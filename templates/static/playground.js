// Gatehouse OAuth playground: a real OAuth 2 / OpenID Connect / OAuth 1.0a client running in this page. Every request goes over
// HTTP to this server's public endpoints and is shown with its response. State survives the redirect to the
// consent page in sessionStorage (this tab only). A module: the JWT reading is imported from playground-jwt.js.
import { decodeJwt, jwtLines, verifyWithJwks } from './playground-jwt.js';

(() => {
  const $ = (sel) => document.querySelector(sel);
  const log = $('#pg-log');
  // The log's words in the page's language (pg.js.* of src/http/i18n, in data-words); {name} filled here.
  const words = JSON.parse(log.dataset.words);
  const word = (key, params = {}) => words[key].replace(/\{(\w+)\}/g, (_, k) => String(params[k] ?? ''));
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
    step(`${title} → ${res.status}`, [...shown, '', word('response'), `HTTP ${res.status}`, ...resHeaders, '', pretty]).dataset.status = String(res.status);
    return { status: res.status, type: (res.headers.get('content-type') ?? '').split(';')[0].trim(), text, json: () => JSON.parse(text) };
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
    $('#pg-userinfo').hidden = !t?.id_token;
    $('#pg-userinfo-jwt').hidden = !t?.id_token;
    $('#pg-userinfo-jwt-hint').hidden = !t?.id_token;
    if (!t) $('#pg-current').textContent = '';
    else $('#pg-current').textContent = `access_token ${t.access_token.slice(0, 10)}…  refresh_token ${t.refresh_token ? t.refresh_token.slice(0, 10) + '…' : word('noRefresh')}  scope "${t.scope}"`;
  }

  function remember() {
    store.set({ clientId: $('#pg-client-id').value.trim(), clientSecret: $('#pg-client-secret').value, scope: $('#pg-scope').value.trim(), tokens: null, idTokenSub: null });
    showTokens(); // a new flow starts without tokens: no button offers the old ones
  }

  /** The authorization request of the code flow: PKCE S256 always; OpenID Connect adds scope openid and a nonce. */
  async function authorizationRequest(flow, title) {
    remember();
    const verifier = random(32);
    const state = random(12);
    const scopes = store.get().scope.split(/\s+/).filter(Boolean);
    // OpenID Connect Core §3.1.2.1: scope must contain openid; the nonce binds the ID Token to this tab's request.
    const scope = flow === 'oidc' ? ['openid', ...scopes.filter((x) => x !== 'openid')].join(' ') : scopes.join(' ');
    const nonce = flow === 'oidc' ? random(16) : undefined;
    store.set({ verifier, state, nonce, flow });
    const url = new URL(`${origin}/o/authorize/`);
    url.search = formBody({ response_type: 'code', client_id: client().id, redirect_uri: callback, scope, state, ...(nonce ? { nonce } : {}), code_challenge: await sha256(verifier), code_challenge_method: 'S256' });
    step(title, [`verifier ${verifier}`, `challenge = BASE64URL(SHA-256(verifier))`, ...(nonce ? [`nonce ${nonce}`] : []), '', url.toString()]);
    const a = document.createElement('a');
    a.href = url.toString();
    a.textContent = word('openConsent');
    a.className = 'button primary';
    a.id = 'pg-open';
    log.firstChild.append(a);
  }

  // Authorization code + PKCE (RFC 6749 §4.1, RFC 7636), and the OpenID Connect code flow (Core §3.1).
  $('#pg-code')?.addEventListener('click', () => authorizationRequest('code', word('codeRequest')));
  $('#pg-oidc')?.addEventListener('click', () => authorizationRequest('oidc', word('oidcRequest')));

  /** Decodes a JWT, verifies it with the server's JWKS (fetched and shown as a step), and shows it with its checks. */
  async function showJwt(title, id, jwt, checksOf) {
    const { header, claims } = decodeJwt(jwt);
    const r = await send(word('jwks'), 'GET', `${origin}/.well-known/jwks.json`);
    const signed = await verifyWithJwks(jwt, header, r.status === 200 ? r.json() : null);
    const checks = [...checksOf(claims), [word('signatureOk', { alg: header.alg, kid: header.kid }), signed]];
    const section = step(title, jwtLines(header, claims, checks, word('checks')));
    document.getElementById(id)?.removeAttribute('id'); // the newest step of its kind holds the id
    section.id = id;
    section.dataset.checks = checks.every(([, ok]) => ok) ? 'ok' : 'failed';
    return claims;
  }
  const issuedHere = (claims) => [
    [word('issIs', { iss: log.dataset.issuer }), claims.iss === log.dataset.issuer],
    [word('audContains', { client: client().id }), [].concat(claims.aud).includes(client().id)],
  ];

  /** Shows the ID Token and the checks a relying party makes of it (OpenID Connect Core §3.1.3.7). */
  async function showIdToken(idToken) {
    const now = Math.floor(Date.now() / 1000);
    const claims = await showJwt(word('idTokenDecoded'), 'pg-id-token', idToken, (c) => [...issuedHere(c),
      [word('expFuture'), c.exp > now], [word('nonceSent'), c.nonce === store.get().nonce]]);
    store.set({ idTokenSub: claims.sub });
  }

  /**
   * UserInfo (Core §5.3) with the access token. A client that registered userinfo_signed_response_alg gets a JWS
   * (Core §5.3.2, application/jwt): decoded and verified like the ID Token, iss and aud included. Either way its
   * sub must be the ID Token's (Core §5.3.2).
   */
  async function userinfo(signed) {
    const idTokenSub = store.get().idTokenSub;
    const headers = { Authorization: `Bearer ${store.get().tokens.access_token}`, ...(signed ? { Accept: 'application/jwt' } : {}) };
    const r = await send(word(signed ? 'userinfoSigned' : 'userinfo'), 'GET', `${origin}/o/userinfo/`, headers);
    if (r.status !== 200) return r;
    if (r.type === 'application/jwt') {
      await showJwt(word('userinfoDecoded'), 'pg-userinfo-decoded', r.text.trim(), (c) => [...issuedHere(c),
        ...(idTokenSub ? [[word('subIsIdTokenSub'), c.sub === idTokenSub]] : [])]);
      return r;
    }
    if (signed) step(word('userinfoJson'), []);
    if (idTokenSub) step(word(r.json().sub === idTokenSub ? 'userinfoSubSame' : 'userinfoSubDiffers'), []);
    return r;
  }
  $('#pg-userinfo')?.addEventListener('click', () => userinfo(false));
  $('#pg-userinfo-jwt')?.addEventListener('click', () => userinfo(true));

  $('#pg-cc')?.addEventListener('click', async () => { remember(); await tokenRequest(word('clientCredentials'), { grant_type: 'client_credentials', scope: store.get().scope }); });
  $('#pg-refresh')?.addEventListener('click', () => tokenRequest(word('refresh'), { grant_type: 'refresh_token', refresh_token: store.get().tokens.refresh_token }));
  $('#pg-hello')?.addEventListener('click', () => send(word('resource'), 'GET', `${origin}/api/hello`, { Authorization: `Bearer ${store.get().tokens.access_token}` }));
  $('#pg-introspect')?.addEventListener('click', () => {
    const a = authFor(client(), { token: store.get().tokens.access_token });
    return send(word('introspection'), 'POST', `${origin}/o/introspect/`, { 'Content-Type': 'application/x-www-form-urlencoded', ...a.headers }, formBody(a.params));
  });
  // Revokes the refresh token when there is one (RFC 7009 §2.1: its access tokens go with it), else the access
  // token; then the page forgets them, so no button offers to use a dead token.
  $('#pg-revoke')?.addEventListener('click', async () => {
    const t = store.get().tokens;
    const a = authFor(client(), t.refresh_token ? { token: t.refresh_token, token_type_hint: 'refresh_token' } : { token: t.access_token, token_type_hint: 'access_token' });
    const r = await send(word('revocation'), 'POST', `${origin}/o/revoke_token/`, { 'Content-Type': 'application/x-www-form-urlencoded', ...a.headers }, formBody(a.params));
    if (r.status === 200) {
      store.set({ tokens: null, idTokenSub: null });
      showTokens();
    }
    return r;
  });

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
    step(word('baseString', { title }), [base]);
    const header = `OAuth realm="gatehouse", ${Object.entries(params).map(([k, v]) => `${pct(k)}="${pct(v)}"`).join(', ')}`;
    return send(title, method, url, { Authorization: header });
  }
  $('#pg-oauth1')?.addEventListener('click', async () => {
    remember();
    store.set({ flow: 'oauth1' });
    const r = await oauth1(word('temporary'), 'POST', `${origin}/oauth1/initiate`, { oauth_callback: callback });
    if (r.status !== 200) return;
    const temp = Object.fromEntries(new URLSearchParams(r.text));
    store.set({ temp });
    const a = document.createElement('a');
    a.href = `${origin}/oauth1/authorize?oauth_token=${encodeURIComponent(temp.oauth_token)}`;
    a.textContent = word('openOauth1');
    a.className = 'button primary';
    a.id = 'pg-open';
    log.firstChild.append(a);
  });

  // Back from the authorization server.
  async function resume() {
    // Only the callback page is a return from the authorization server (the page itself may carry ?app=).
    if (location.pathname !== '/o/playground/callback') return;
    const q = new URLSearchParams(location.search);
    const s = store.get();
    if (!q.toString()) return;
    step(word('redirectBack'), [location.href]);
    if (s.flow === 'code' || s.flow === 'oidc') {
      if (q.get('state') !== s.state) { step(word('stateMismatch'), []); return; }
      if (q.get('code')) {
        const r = await tokenRequest(word('codeExchange'), { grant_type: 'authorization_code', code: q.get('code'), redirect_uri: callback, code_verifier: s.verifier });
        if (s.flow === 'oidc' && r.status === 200) {
          const idToken = r.json().id_token;
          if (!idToken) { step(word('noIdToken'), []); return; }
          await showIdToken(idToken);
          await userinfo(false);
        }
      }
    } else if (s.flow === 'oauth1' && q.get('oauth_verifier')) {
      const r = await oauth1(word('tokenCredentials'), 'POST', `${origin}/oauth1/token`, { oauth_verifier: q.get('oauth_verifier') }, { key: s.temp.oauth_token, secret: s.temp.oauth_token_secret });
      if (r.status !== 200) return;
      const creds = Object.fromEntries(new URLSearchParams(r.text));
      await oauth1(word('oauth1Resource'), 'GET', `${origin}/api/oauth1/user`, {}, { key: creds.oauth_token, secret: creds.oauth_token_secret });
    }
    history.replaceState(null, '', `${origin}/o/playground/callback`);
  }

  $('#pg-app')?.addEventListener('change', (e) => {
    const opt = e.target.selectedOptions[0];
    $('#pg-client-id').value = opt.value;
    $('#pg-scope').value = opt.dataset.scopes || '';
    // The callback form acts on the application picked above, unless the person picks another there.
    const same = [...($('#pg-register-app')?.options ?? [])].find((o) => o.dataset.clientId === opt.value);
    if (same) $('#pg-register-app').value = same.value;
  });

  // "Add the playground callback" is a form POST and a redirect back here: what was typed above (the secret
  // included, which never leaves this tab) is kept in sessionStorage across it and put back once.
  const DRAFT = 'gatehouse-playground-draft';
  const FIELDS = ['#pg-app', '#pg-client-id', '#pg-client-secret', '#pg-scope'];
  $('#pg-register-form')?.addEventListener('submit', () => {
    sessionStorage.setItem(DRAFT, JSON.stringify(Object.fromEntries(FIELDS.map((f) => [f, $(f)?.value ?? '']))));
  });
  const draft = JSON.parse(sessionStorage.getItem(DRAFT) || 'null');
  if (draft && $('#pg-form')) {
    sessionStorage.removeItem(DRAFT);
    for (const f of FIELDS) if ($(f) && typeof draft[f] === 'string') $(f).value = draft[f];
  }
  showTokens();
  resume();
})();
