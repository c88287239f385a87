// A loopback TCP balancer for the `--pg` bench's two-instance measurement: each accepted connection goes to the next
// backend in turn (round robin) and is piped both ways. No HTTP parsing, so it adds one copy per byte and nothing
// else; autocannon's connections are keep-alive, so N connections split N/2 and N/2 over two instances, and every
// request of a connection reaches the same instance (as behind an L4 load balancer with connection balancing).
//
//   node bench/balancer.ts            BENCH_BACKENDS=http://127.0.0.1:p1,http://127.0.0.1:p2 [PORT=0]
// Prints "serving on http://127.0.0.1:<port>" once listening (bench/server.ts start() waits for that line).
import { createConnection, createServer, type Socket } from 'node:net';

const backends = (process.env.BENCH_BACKENDS ?? '').split(',').filter(Boolean).map((u) => new URL(u));
if (!backends.length) throw new Error('BENCH_BACKENDS: the backends\' URLs, comma-separated');
let next = 0;

const server = createServer({ noDelay: true }, (client: Socket) => {
  const to = backends[next++ % backends.length];
  const upstream = createConnection({ host: to.hostname, port: Number(to.port), noDelay: true });
  // Either side ending or failing ends the other: a broken pair never lingers.
  const close = () => { client.destroy(); upstream.destroy(); };
  client.on('error', close).on('close', close);
  upstream.on('error', close).on('close', close);
  client.pipe(upstream);
  upstream.pipe(client);
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const a = server.address();
  process.stdout.write(`serving on http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}\n`);
});
process.on('SIGTERM', () => { server.close(); process.exit(0); });
