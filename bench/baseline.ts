// The yardstick: bare Koa + @koa/router + koa-bodyparser answering the same request shapes with constant
// bodies. Gatehouse's ratios are measured against this server, in the same run, on the same core.
import Koa from 'koa';
import Router from '@koa/router';
import bodyParser from 'koa-bodyparser';

const app = new Koa();
const router = new Router();
const token = { access_token: 'x'.repeat(43), token_type: 'Bearer', expires_in: 3600, scope: 'read' };
router.post(['/o/token/', '/o/introspect/', '/o/authorize/', '/graphql'], (ctx) => {
  const body = ctx.request.body as Record<string, unknown>;
  ctx.set('Cache-Control', 'no-store');
  ctx.body = body.token ? { active: true, scope: 'read', client_id: 'c' } : ctx.path === '/graphql' ? { data: { clients: { nodes: [] } } } : token;
});
router.get('/api/hello', (ctx) => { ctx.body = { message: 'Hello, OAuth2!' }; });
app.use(bodyParser());
app.use(router.routes());
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`baseline serving on http://127.0.0.1:${(server.address() as { port: number }).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
