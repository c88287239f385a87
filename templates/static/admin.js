// Gatehouse admin console: a client of the public GraphQL admin API. Every read and change goes to /graphql with
// the administrator's session cookie and, for mutations, the session's CSRF token in X-CSRF-Token (the server
// refuses a session mutation without it). Everything the API returns is put in the page as text (textContent,
// never innerHTML, never a link built from stored data), so names and URIs chosen by users stay inert.
const root = document.getElementById('admin');
const words = JSON.parse(root.dataset.words);
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const statusLine = document.getElementById('admin-status');
const $ = (sel) => document.querySelector(sel);

/** One GraphQL call; throws what the API refused (each error said by explain) if it answers errors. */
async function gql(query, variables = {}) {
  const res = await fetch('/graphql', {
    method: 'POST', credentials: 'same-origin',
    headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': csrf },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (body.errors?.length) throw new Error(body.errors.map(explain).join(' '));
  return body.data;
}

const say = (text) => { statusLine.textContent = text; };
const word = (key, params = {}) => words[key].replace(/\{(\w+)\}/g, (_, k) => String(params[k] ?? ''));
// An API error in the page's language when its code (extensions.code, src/graphql/errors.ts) is one of these; any
// other keeps the API's own message. Invalid input names each field with the API's reason for it.
const CODES = { BAD_USER_INPUT: 'badInput', CONFLICT: 'conflict', FORBIDDEN: 'forbidden', NOT_FOUND: 'notFound', UNAUTHENTICATED: 'unauthenticated', ROTATION_TOO_SOON: 'rotationTooSoon' };
function explain(e) {
  const key = CODES[e.extensions?.code];
  if (!key) return e.message;
  if (key === 'badInput') {
    const fields = e.extensions.fields;
    return Array.isArray(fields) ? word(key, { fields: fields.map((f) => `${f.path.at(-1)}: ${f.message}`).join(' ') }) : e.message;
  }
  return word(key, { n: e.extensions.retryInSeconds });
}
const clientType = (type) => (type ? word(type.toLowerCase()) : '');
/** Runs an action, saying "Done." or why it was refused; the page stays usable either way. */
async function act(fn) {
  try { const r = await fn(); say(typeof r === 'string' ? r : word('done')); } catch (e) { say(word('failed', { why: e.message })); }
}

/** An element with text children (strings) or elements; attributes set one by one (never markup). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'on') for (const [type, fn] of Object.entries(v)) node.addEventListener(type, fn);
    else if (v !== false && v !== null && v !== undefined) node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(c ?? ''));
  return node;
}
const button = (label, onClick, cls) => el('button', { type: 'button', class: cls, on: { click: onClick } }, label);
// The reader's own zone here (the browser knows it), so it is named: "06/12/2026 03:13 UTC+1".
const shownAt = (iso) => (iso ? new Date(iso).toLocaleString(document.documentElement.lang, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' }) : '—');
const yesNo = (b) => word(b ? 'yes' : 'no');
/**
 * Fills a table's body with rows, or one "Nothing found." row. Each cell gets its column's header words as
 * data-label: on a phone the stylesheet hides the headers and shows the label above each stacked cell.
 */
function fill(table, rows) {
  const body = table.tBodies[0];
  const heads = [...table.tHead.rows[0].cells].map((th) => th.textContent.trim());
  for (const row of rows) for (const [i, cell] of [...row.cells].entries()) if (heads[i]) cell.dataset.label = heads[i];
  body.replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: table.tHead.rows[0].cells.length }, word('none')))]));
}
const submitted = (form, fn) => form.addEventListener('submit', (e) => { e.preventDefault(); fn(); });

// --- Users ---------------------------------------------------------------------------------------------------
const USER = 'id username email isAdmin isActive';
async function users() {
  let pending = null;
  async function load() {
    const { users } = await gql(`query($s: String) { users(search: $s, first: 100) { nodes { ${USER} } } }`, { s: $('#user-q').value });
    fill($('#user-table'), users.nodes.map((u) => el('tr', { 'data-user': u.username },
      el('td', {}, u.username), el('td', {}, u.email ?? ''), el('td', {}, yesNo(u.isAdmin)), el('td', {}, yesNo(u.isActive)),
      el('td', { class: 'row-actions' },
        button(word(u.isActive ? 'deactivate' : 'activate'), () => act(async () => {
          await gql('mutation($id: ID!, $a: Boolean!) { setUserActive(id: $id, active: $a) { user { id } } }', { id: u.id, a: !u.isActive });
          await load();
        })),
        button(word(u.isAdmin ? 'revokeAdmin' : 'grantAdmin'), () => act(async () => {
          await gql('mutation($id: ID!, $a: Boolean!) { setUserAdmin(id: $id, isAdmin: $a) { user { id } } }', { id: u.id, a: !u.isAdmin });
          await load();
        })),
        button(word('resetPassword'), () => {
          pending = u;
          $('#password-label').textContent = word('newPassword', { user: u.username });
          $('#password-form').hidden = false;
          $('#password-new').focus();
        })))));
  }
  submitted($('#user-search'), () => act(load));
  submitted($('#password-form'), () => act(async () => {
    await gql('mutation($id: ID!, $p: String!) { setUserPassword(id: $id, password: $p) { user { id } } }', { id: pending.id, p: $('#password-new').value });
    $('#password-new').value = '';
    $('#password-form').hidden = true;
  }));
  // What the API refuses is said next to the form (on a phone the status line is a screen away), and in the status line.
  const createError = $('#user-create-error');
  submitted($('#user-create'), () => act(async () => {
    const input = { username: $('#new-username').value, password: $('#new-password').value, email: $('#new-email').value || null, isAdmin: $('#new-admin').checked };
    createError.hidden = true;
    try {
      await gql('mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } } }', { i: input });
    } catch (e) {
      createError.textContent = word('failed', { why: e.message });
      createError.hidden = false;
      createError.scrollIntoView({ block: 'nearest' });
      throw e;
    }
    $('#user-create').reset();
    await load();
  }));
  await load();
}

// --- Applications --------------------------------------------------------------------------------------------
// Every field of ClientInput, read back as the client has it: an update sends them all (the API replaces the
// client's settings), changing only the privileged ones the administrator ticked.
const INPUT_FIELDS = ['name', 'clientType', 'grantTypes', 'redirectUris', 'allowedScopes', 'skipAuthorization', 'allowedOrigins',
  'tokenEndpointAuthMethod', 'oauth1Enabled', 'rsaPublicKey', 'postLogoutRedirectUris', 'backchannelLogoutUri', 'backchannelLogoutSessionRequired',
  'frontchannelLogoutUri', 'frontchannelLogoutSessionRequired', 'accessTokenFormat', 'idTokenSignedResponseAlg', 'responseTypes',
  'userinfoSignedResponseAlg', 'subjectType', 'sectorIdentifierUri', 'accessTokenLifetime', 'refreshTokenLifetime', 'authorizationCodeLifetime'];
async function applications() {
  let after = null;
  let current = null;
  const form = $('#client-privileged');
  const privilegedScopes = form.dataset.scopes.split(' ').filter(Boolean);
  const privilegedGrants = form.dataset.grants.split(' ').filter(Boolean);
  const rows = [];
  async function loadPage() {
    const { clients } = await gql('query($a: String) { clients(first: 50, after: $a) { nodes { id clientId name clientType owner { username } grants(first: 0) { totalCount } } pageInfo { hasNextPage endCursor } } }', { a: after });
    rows.push(...clients.nodes.map((c) => el('tr', { 'data-client': c.clientId },
      el('td', {}, c.name), el('td', {}, el('code', {}, c.clientId)), el('td', {}, c.owner?.username ?? ''), el('td', {}, clientType(c.clientType)),
      el('td', {}, String(c.grants.totalCount)), el('td', {}, button(word('manage'), () => act(() => open(c.id)))))));
    fill($('#client-table'), rows);
    after = clients.pageInfo.endCursor;
    $('#client-more').hidden = !clients.pageInfo.hasNextPage;
  }
  async function open(id) {
    const { client } = await gql(`query($id: ID) { client(id: $id) { id ${INPUT_FIELDS.join(' ')} clientId owner { username } grants(first: 0) { totalCount } } }`, { id });
    current = client;
    $('#client-name').textContent = client.name;
    $('#client-id').textContent = client.clientId;
    $('#client-owner').textContent = client.owner?.username ?? '';
    $('#client-grants').textContent = String(client.grants.totalCount);
    // Shown as text, never as links: a URI a client registered is the client's word, not ours.
    $('#client-redirects').replaceChildren(...client.redirectUris.map((u) => el('code', { class: 'block' }, u)));
    $('#client-rotate').hidden = client.clientType !== 'CONFIDENTIAL';
    $('#client-secret-box').hidden = true;
    $('#client-skip').checked = client.skipAuthorization;
    for (const box of form.querySelectorAll('input[name=scope]')) box.checked = client.allowedScopes.includes(box.value);
    for (const box of form.querySelectorAll('input[name=grant]')) box.checked = client.grantTypes.includes(box.value);
    for (const box of form.querySelectorAll('input[name=lifetime]')) box.value = client[box.dataset.field] ?? '';
    $('#client-detail').hidden = false;
    $('#client-detail').focus();
  }
  $('#client-more').addEventListener('click', () => act(loadPage));
  $('#client-rotate').addEventListener('click', () => act(async () => {
    const { rotateClientSecret } = await gql('mutation($id: ID!) { rotateClientSecret(id: $id) { clientSecret } }', { id: current.id });
    $('#client-secret').value = rotateClientSecret.clientSecret;
    $('#client-secret-box').hidden = false;
    $('#client-secret').select();
  }));
  submitted(form, () => act(async () => {
    const input = Object.fromEntries(INPUT_FIELDS.map((f) => [f, current[f]]));
    const ticked = (name) => [...form.querySelectorAll(`input[name=${name}]`)].filter((b) => b.checked).map((b) => b.value);
    input.allowedScopes = [...current.allowedScopes.filter((s) => !privilegedScopes.includes(s)), ...ticked('scope')];
    input.grantTypes = [...current.grantTypes.filter((g) => !privilegedGrants.includes(g)), ...ticked('grant')];
    input.skipAuthorization = $('#client-skip').checked;
    // Empty: the server's default (null); the API bounds each by its maximum and says so if it is above.
    for (const box of form.querySelectorAll('input[name=lifetime]')) input[box.dataset.field] = box.value.trim() === '' ? null : Number(box.value);
    await gql('mutation($id: ID!, $i: ClientInput!) { updateClient(id: $id, input: $i) { client { id } } }', { id: current.id, i: input });
    await open(current.id);
  }));
  await loadPage();
}

// --- Grants and tokens ---------------------------------------------------------------------------------------
async function tokens() {
  async function search() {
    const username = $('#token-user').value.trim();
    const clientId = $('#token-client').value.trim();
    let userId = null;
    let clientDbId = null;
    if (username) {
      const { users } = await gql('query($s: String) { users(search: $s, first: 100) { nodes { id username } } }', { s: username });
      userId = users.nodes.find((u) => u.username === username)?.id;
      if (!userId) throw new Error(word('noUser', { user: username }));
    }
    if (clientId) {
      clientDbId = (await gql('query($c: String) { client(clientId: $c) { id } }', { c: clientId })).client?.id;
      if (!clientDbId) throw new Error(word('noClient', { client: clientId }));
    }
    const data = await gql(`query($u: ID, $c: ID) {
      grants(userId: $u, clientId: $c, first: 100) { nodes { id scopes createdAt user { username } client { clientId name } } }
      access: tokens(filter: { kind: ACCESS, userId: $u, clientId: $c, activeOnly: true }, first: 100) { nodes { ...T } }
      refresh: tokens(filter: { kind: REFRESH, userId: $u, clientId: $c, activeOnly: true }, first: 100) { nodes { ...T } }
    } fragment T on Token { id kind scopes expiresAt user { username } client { clientId } }`, { u: userId, c: clientDbId });
    const revoke = (mutation, id) => () => act(async () => {
      const r = await gql(mutation, { id });
      await search();
      return word('revoked', { n: Object.values(r)[0].revokedTokens });
    });
    fill($('#grant-table'), data.grants.nodes.map((g) => el('tr', { 'data-grant': g.id },
      el('td', {}, g.user.username), el('td', {}, el('code', {}, g.client.clientId)), el('td', {}, g.scopes.join(' ')), el('td', {}, shownAt(g.createdAt)),
      el('td', {}, button(word('revoke'), revoke('mutation($id: ID!) { revokeGrant(id: $id) { revokedTokens } }', g.id), 'danger')))));
    fill($('#token-table'), [...data.access.nodes, ...data.refresh.nodes].map((t) => el('tr', { 'data-token': t.id },
      el('td', {}, t.kind.toLowerCase()), el('td', {}, t.user?.username ?? '—'), el('td', {}, el('code', {}, t.client.clientId)), el('td', {}, t.scopes.join(' ')),
      el('td', {}, shownAt(t.expiresAt)), el('td', {}, button(word('revoke'), revoke('mutation($id: ID!) { revokeToken(id: $id) { revokedTokens } }', t.id), 'danger')))));
  }
  submitted($('#token-search'), () => act(search));
  await search();
}

// --- Signing keys --------------------------------------------------------------------------------------------
async function keys() {
  async function load() {
    const { signingKeys } = await gql('{ signingKeys(first: 100) { kid alg status createdAt retiresAt } }');
    fill($('#key-table'), signingKeys.map((k) => el('tr', { 'data-kid': k.kid, 'data-status': k.status.toLowerCase() },
      el('td', {}, el('code', {}, k.kid)), el('td', {}, k.alg), el('td', {}, k.status.toLowerCase()), el('td', {}, shownAt(k.createdAt)), el('td', {}, shownAt(k.retiresAt)))));
  }
  submitted($('#key-rotate'), () => act(async () => {
    await gql('mutation($f: Boolean) { rotateSigningKeys(force: $f) { currentKids } }', { f: $('#key-force').checked });
    await load();
  }));
  await load();
}

// --- Events --------------------------------------------------------------------------------------------------
const EVENT = 'id type createdAt userId clientId ip detail';
const eventRow = (e) => el('tr', { 'data-event': e.type }, el('td', {}, shownAt(e.createdAt)), el('td', {}, el('code', {}, e.type)), el('td', {}, e.userId ?? ''),
  el('td', {}, e.clientId ?? ''), el('td', {}, el('code', {}, e.detail ?? '')));
async function events() {
  const { events } = await gql(`{ events(first: 50) { nodes { ${EVENT} } } }`);
  fill($('#event-table'), events.nodes.map(eventRow));
  // The subscription over server-sent events (GraphQL over SSE, a GET the session cookie goes with).
  const query = `subscription { events { ${EVENT} } }`;
  const stream = new EventSource(`/graphql?${new URLSearchParams({ query })}`);
  const live = $('#event-live');
  stream.addEventListener('open', () => { $('#event-live-status').textContent = word('streaming'); });
  stream.addEventListener('next', (m) => {
    const e = JSON.parse(m.data).data?.events;
    if (e) live.prepend(el('li', { 'data-event': e.type }, el('code', {}, e.type), ` ${shownAt(e.createdAt)} `, e.detail ?? ''));
  });
  const ended = () => { stream.close(); $('#event-live-status').textContent = word('streamEnded'); };
  stream.addEventListener('complete', ended);
  stream.addEventListener('error', ended);
}

// --- Resource servers (RFC 8707) ------------------------------------------------------------------------------
// One form creates or, after "Edit", updates (the API takes the whole ResourceServerInput either way). What the API
// refuses (an identifier that is not an absolute URI, one in use, an unknown scope, a lifetime out of range) is
// shown next to the form, as text.
const RESOURCE = 'id identifier name scopes accessTokenFormat accessTokenTtl';
async function resources() {
  const form = $('#resource-form');
  const error = $('#resource-error');
  const confirmBox = $('#resource-confirm');
  let editing = null;
  let deleting = null;
  const showError = (message) => { error.textContent = message; error.hidden = !message; };
  function reset() {
    editing = null;
    form.reset();
    showError('');
    $('#resource-form-title').textContent = word('createResource');
    $('#resource-submit').textContent = word('createResourceSubmit');
    $('#resource-cancel').hidden = true;
  }
  function edit(r) {
    editing = r;
    showError('');
    $('#resource-identifier').value = r.identifier;
    $('#resource-name').value = r.name;
    $('#resource-scopes').value = r.scopes.join(' ');
    $('#resource-format').value = r.accessTokenFormat;
    $('#resource-ttl').value = r.accessTokenTtl ?? '';
    $('#resource-form-title').textContent = word('editResource', { name: r.name });
    $('#resource-submit').textContent = word('save');
    $('#resource-cancel').hidden = false;
    $('#resource-identifier').focus();
  }
  // The keyboard's place is kept: Cancel goes back to the row's Delete button, a deletion to the form's heading.
  let asker = null;
  function askDelete(r, e) {
    deleting = r;
    asker = e.currentTarget;
    $('#resource-confirm-text').textContent = word('confirmDelete', { name: r.name, identifier: r.identifier });
    confirmBox.hidden = false;
    $('#resource-confirm-no').focus();
  }
  async function load() {
    const { resourceServers } = await gql(`{ resourceServers(first: 100) { ${RESOURCE} } }`);
    fill($('#resource-table'), resourceServers.map((r) => el('tr', { 'data-resource': r.identifier },
      el('td', {}, el('code', {}, r.identifier)), el('td', {}, r.name), el('td', {}, r.scopes.join(' ')),
      el('td', {}, r.accessTokenFormat === 'JWT' ? 'JWT' : 'opaque'), el('td', {}, r.accessTokenTtl === null ? word('defaultTtl') : word('seconds', { n: r.accessTokenTtl })),
      el('td', { class: 'row-actions' }, button(word('edit'), () => edit(r)), button(word('delete'), (e) => askDelete(r, e), 'danger')))));
  }
  $('#resource-cancel').addEventListener('click', () => { reset(); $('#resource-identifier').focus(); });
  $('#resource-confirm-no').addEventListener('click', () => { deleting = null; confirmBox.hidden = true; asker?.focus(); });
  $('#resource-confirm-yes').addEventListener('click', () => act(async () => {
    const r = deleting;
    await gql('mutation($id: ID!) { deleteResourceServer(id: $id) }', { id: r.id });
    deleting = null;
    confirmBox.hidden = true;
    if (editing?.id === r.id) reset();
    await load();
    $('#resource-form-title').focus();
    return word('deleted', { name: r.name });
  }));
  submitted(form, () => act(async () => {
    const ttl = $('#resource-ttl').value.trim();
    const input = {
      identifier: $('#resource-identifier').value.trim(), name: $('#resource-name').value.trim(),
      scopes: $('#resource-scopes').value.split(/[\s,]+/).filter(Boolean), accessTokenFormat: $('#resource-format').value,
      accessTokenTtl: ttl === '' ? null : Number(ttl),
    };
    try {
      if (editing) await gql(`mutation($id: ID!, $i: ResourceServerInput!) { updateResourceServer(id: $id, input: $i) { id } }`, { id: editing.id, i: input });
      else await gql(`mutation($i: ResourceServerInput!) { createResourceServer(input: $i) { id } }`, { i: input });
    } catch (e) {
      showError(word('failed', { why: e.message }));
      throw e;
    }
    reset();
    await load();
  }));
  await load();
}

const SECTIONS = { users, applications, tokens, keys, events, resources };
const section = SECTIONS[root.dataset.section];
// `data-ready` tells people's tools (and the browser tests) the first load is over.
Promise.resolve(section?.()).catch((e) => say(word('failed', { why: e.message }))).finally(() => { root.dataset.ready = 'true'; });
