import { expect } from 'chai';
import { connect, type Socket } from 'node:net';
import { Browser, createTestApp, type TestServer } from '../helpers.ts';

// Attacker read 10, F4 (second read 11 asked for a test): GraphiQL's 5 MB bundle was a string Koa encoded anew for
// every response, so readers that never read held a copy each (600 held 3.3 GB and stopped /healthz). A static asset
// is now encoded once: every response writes the same bytes, and a stalled reader holds a reference, not a copy.
describe('security: a static asset costs its bytes once, however many readers stall on it', () => {
  let srv: TestServer;
  const sockets: Socket[] = [];
  before(async () => { srv = await createTestApp(); });
  after(async () => { for (const s of sockets) s.destroy(); await srv.close(); });

  it('40 readers that never read GraphiQL\'s bundle add far less than 40 copies of it to the process', async () => {
    const user = await srv.app.seed.user({ username: 'reader' });
    const browser = new Browser(srv.url);
    await browser.login(user.username, user.password);
    const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const first = await browser.get('/static/graphiql/graphiql.js');
    expect(first.status).to.equal(200);
    const size = (await first.arrayBuffer()).byteLength;
    expect(size, 'the bundle is megabytes').to.be.above(2_000_000);

    global.gc?.();
    const before = process.memoryUsage().arrayBuffers;
    const { port } = new URL(srv.url);
    await Promise.all(Array.from({ length: 40 }, () => new Promise<void>((resolve, reject) => {
      const s = connect(Number(port), '127.0.0.1', () => {
        s.pause(); // never reads: the response waits in the server's socket buffers
        s.write(`GET /static/graphiql/graphiql.js HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${cookie}\r\n\r\n`, () => resolve());
      });
      s.on('error', reject);
      sockets.push(s);
    })));
    await new Promise((r) => setTimeout(r, 1_000)); // every response written as far as the socket takes it
    const grown = process.memoryUsage().arrayBuffers - before;
    expect(grown, `grew by ${Math.round(grown / 1e6)} MB for 40 stalled readers of ${Math.round(size / 1e6)} MB`).to.be.below(10 * size);
    // And the server still answers.
    expect((await fetch(`${srv.url}/healthz`)).status).to.equal(200);
  });
});
