import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy a test can cut and restore (the database host crashed: connections refused and reset), or blackhole
 * and unblock (a network partition: connections are accepted and bytes sent, but nothing arrives or answers until
 * it heals, when TCP delivers what waited, as retransmission would). `blackhole({ lost: true })`: a firewall or NAT
 * forgot the connections instead; what they carry is lost and they stay silent forever, new ones work after unblock.
 */
export async function tcpProxy(target: { host: string; port: number }) {
  const sockets = new Set<Socket>();
  const held: { to: Socket; data: Buffer }[] = [];
  const lost = new WeakSet<Socket>();
  let blackholed: false | 'held' | 'lost' = false;
  let server: Server | undefined;
  let port = 0;
  const forward = (to: Socket) => (data: Buffer) => {
    if (lost.has(to)) return;
    if (blackholed) held.push({ to, data }); else to.write(data);
  };
  const open = () => new Promise<void>((resolve) => {
    server = createServer((client) => {
      const upstream = connect(target.port, target.host);
      sockets.add(client); sockets.add(upstream);
      if (blackholed === 'lost') { lost.add(client); lost.add(upstream); }
      const end = () => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream); };
      client.on('error', end); upstream.on('error', end); client.on('close', end); upstream.on('close', end);
      client.on('data', forward(upstream)); upstream.on('data', forward(client));
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
    /** Keeps accepting and keeps every connection open, but nothing gets through in either direction. */
    blackhole(opts: { lost?: boolean } = {}) {
      blackholed = opts.lost ? 'lost' : 'held';
      if (opts.lost) for (const s of sockets) lost.add(s);
    },
    /** The partition heals: what waited is delivered, in order, and traffic flows again. */
    unblock() {
      blackholed = false;
      for (const { to, data } of held.splice(0)) if (!to.destroyed) to.write(data);
    },
    close: async () => { for (const s of sockets) s.destroy(); await new Promise<void>((r) => server?.listening ? server.close(() => r()) : r()); },
  };
}
