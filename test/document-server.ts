import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type Json = Record<string, any>;
/** The redirect URI of the documents a DocumentServer publishes by default (a native app's loopback). */
export const CALLBACK = 'http://127.0.0.1:8080/callback';

/** A client's web site: serves its metadata documents, counts each fetch, and can misbehave on request. */
export class DocumentServer {
  server!: Server;
  base = '';
  hits = new Map<string, number>();
  routes = new Map<string, (res: ServerResponse) => void>();
  async start() {
    this.server = createServer((req, res) => {
      this.hits.set(req.url!, (this.hits.get(req.url!) ?? 0) + 1);
      const route = this.routes.get(req.url!);
      if (!route) { res.statusCode = 404; res.end(); return; }
      route(res);
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }
  /** Publishes a document at path (its client_id the URL itself unless the document says otherwise). */
  doc(path: string, doc: Json = {}, headers: Record<string, string> = { 'Cache-Control': 'max-age=60' }): string {
    const url = this.base + path;
    const body = JSON.stringify({ client_id: url, client_name: 'MCP Inspector', redirect_uris: [CALLBACK], token_endpoint_auth_method: 'none', ...doc });
    this.routes.set(path, (res) => { res.writeHead(200, { 'Content-Type': 'application/json', ...headers }); res.end(body); });
    return url;
  }
  hitsOf(path: string) { return this.hits.get(path) ?? 0; }
  close() { this.server.closeAllConnections(); this.server.close(); }
}
