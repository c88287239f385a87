// The yardstick: bare Koa + @koa/router + koa-bodyparser answering the same request shapes as Gatehouse with small
// constant bodies — it parses the form/JSON body and writes JSON, and nothing else. Gatehouse's ratios are measured
// against this server, in the same run, on the same core, started the same way.
import Koa from 'koa';
import Router from '@koa/router';
import bodyParser from 'koa-bodyparser';
import { randomBytes } from 'node:crypto';

const app = new Koa();
const router = new Router();
const tok = () => randomBytes(32).toString('base64url');
const nodes = Array.from({ length: 50 }, (_, i) => ({ id: `Q2xpZW50OjEw${i}`, clientId: 'x'.repeat(24), name: `Bench client ${i}` }));
const form = (name: string) => `<!doctype html><html><body><form method="post"><input type="hidden" name="csrfmiddlewaretoken" value="baseline-csrf">${name}</form></body></html>`;

router.post(['/o/token/', '/o/token'], (ctx) => {
  const body = ctx.request.body as Record<string, string>;
  if (!body.grant_type) { ctx.status = 400; ctx.body = { error: 'invalid_request' }; return; }
  ctx.set('Cache-Control', 'no-store');
  // RFC 8628 §3.5: the device-flow scenario polls a code that is never approved.
  if (body.grant_type === 'urn:ietf:params:oauth:grant-type:device_code') { ctx.status = 400; ctx.body = { error: 'authorization_pending', error_description: 'The user has not approved the request yet.' }; return; }
  ctx.body = { access_token: tok(), token_type: 'Bearer', expires_in: 3600, scope: 'read', ...(body.grant_type === 'client_credentials' ? {} : { refresh_token: tok() }) };
});
router.post(['/o/introspect/', '/o/introspect'], (ctx) => {
  const body = ctx.request.body as Record<string, string>;
  ctx.set('Cache-Control', 'no-store');
  ctx.body = { active: Boolean(body.token), scope: 'read', client_id: 'c', username: 'admin', token_type: 'Bearer', exp: 0, iat: 0, iss: 'https://bench.local' };
});
router.get(['/api/hello', '/api/hello/'], (ctx) => {
  ctx.body = { message: 'Hello, OAuth2!', user: 'admin', client_id: 'c', scope: 'read', bearer: Boolean(ctx.get('authorization')) };
});
router.post('/graphql', (ctx) => {
  const body = ctx.request.body as { query?: string };
  ctx.body = body.query ? { data: { clients: { nodes } } } : { errors: [{ message: 'no query' }] };
});
// The pages of the authorization-code round.
router.get(['/accounts/login/', '/o/applications/'], (ctx) => { ctx.type = 'html'; ctx.body = form(ctx.path); });
// The OpenID Connect round's GET (consent already given) answers with a code, as Gatehouse's does; others show the form.
router.get('/o/authorize/', (ctx) => {
  if (String(ctx.query.scope).split(' ').includes('openid')) return ctx.redirect(`${String(ctx.query.redirect_uri)}?code=${tok()}`);
  ctx.type = 'html';
  ctx.body = form(ctx.path);
});
router.post('/accounts/login/', (ctx) => { ctx.cookies.set('bench', 'session'); ctx.redirect('/'); });
router.post('/o/authorize/', (ctx) => {
  const body = ctx.request.body as Record<string, string>;
  ctx.redirect(`${body.redirect_uri}?code=${tok()}`);
});

app.use(bodyParser());
app.use(router.routes());
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`baseline serving on http://127.0.0.1:${(server.address() as { port: number }).port}\n`);
});
process.on('SIGTERM', () => { server.close(() => process.exit(0)); server.closeAllConnections(); });
