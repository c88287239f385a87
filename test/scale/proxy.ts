import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** A TCP proxy a test can cut and restore: the database "goes away" without touching the real server. */
export async function tcpProxy(target: { host: string; port: number }) {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const open = () => new Promise<void>((resolve) => {
    server = createServer((client) => {
      const upstream = connect(target.port, target.host);
      sockets.add(client); sockets.add(upstream);
      const end = () => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream); };
      client.on('error', end); upstream.on('error', end); client.on('close', end); upstream.on('close', end);
      client.pipe(upstream); upstream.pipe(client);
    });
    server.listen(port, '127.0.0.1', () => { port = (server!.address() as AddressInfo).port; resolve(); });
  });
  await open();
  return {
    get port() { return port; },
    /** Refuses new connections and drops the open ones, as a crashed database host would. */
    async cut() {
      for (const s of sockets) s.destroy();
      sockets.clear();
      await new Promise<void>((r) => server!.close(() => r()));
    },
    restore: open,
    close: async () => { for (const s of sockets) s.destroy(); await new Promise<void>((r) => server?.listening ? server.close(() => r()) : r()); },
  };
}
