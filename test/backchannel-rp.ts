import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { TestServer } from './helpers.ts';

/**
 * A relying party's back-channel endpoint that answers each POST with the next scripted outcome: a status, or
 * 'drop' (the connection is cut before any answer). Every logout_token received is kept.
 */
export function scriptedRp(script: (number | 'drop')[]): Promise<{ url: string; tokens: string[]; server: Server }> {
  const tokens: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      tokens.push(new URLSearchParams(body).get('logout_token') ?? '');
      const next = script[Math.min(tokens.length - 1, script.length - 1)];
      if (next === 'drop') return req.socket.destroy();
      res.writeHead(next, { 'content-type': 'application/json' }).end(next === 400 ? '{"error":"invalid_request"}' : '');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}/bc`, tokens, server })));
}

type Attempt = { type: string; detail: { attempt: number; status?: number; error?: string; retry: boolean } };

/** The back-channel delivery events of a client, oldest first. */
export async function deliveryEvents(t: TestServer, clientId: string): Promise<Attempt[]> {
  await t.app.backchannel.idle();
  const rows = await t.app.stores.sql.all<{ type: string; detail: string | object }>('select type, detail from events where client_id = ? and type like ? order by id', [clientId, 'logout.backchannel.%']);
  return rows.map((r) => ({ type: r.type, detail: (typeof r.detail === 'string' ? JSON.parse(r.detail) : r.detail) as Attempt['detail'] }));
}

/** A server on 127.0.0.1 that takes connections and never answers; `close` drops the ones it holds. */
export async function tarpit(): Promise<{ base: string; held: Set<Socket>; close(): void }> {
  const held = new Set<Socket>();
  const server = createServer(() => { /* never answers */ });
  server.on('connection', (sock) => { held.add(sock); sock.on('close', () => held.delete(sock)); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { base: `http://127.0.0.1:${(server.address() as { port: number }).port}`, held, close() { server.close(); for (const sock of held) sock.destroy(); } };
}
