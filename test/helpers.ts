import { createApp, type Gatehouse, type GatehouseDeps } from '../src/index.ts';
import type { ConfigOverrides } from '../src/config.ts';
import { testDatabase, type TestDatabase } from './database.ts';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestServer { app: Gatehouse; url: string; close(): Promise<void>; /** Its database, to reach beside the server (createTestApp sets it). */ db?: TestDatabase }

/** A whole Gatehouse on a fresh database (in-memory SQLite, or PostgreSQL under DATABASE_URL), on a free port. */
export async function createTestApp(overrides: ConfigOverrides = {}, deps: GatehouseDeps = {}): Promise<TestServer> {
  const db = await testDatabase();
  const app = await createApp({ env: 'test', database: db.database, ...db.redis, ...overrides }, deps);
  const { url } = await app.listen(0, '127.0.0.1');
  return { app, url, db, close: async () => { await app.close(); await db.drop(); } };
}

/** A resource server of the test's own (a Koa app), on a free loopback port; `base` ends with a slash. */
export async function serveKoa(koa: { listen(port: number, host: string): Server }): Promise<{ base: string; close(): void }> {
  const server = koa.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => server.close() };
}

/** A tiny browser: keeps cookies, never follows redirects on its own, reads CSRF tokens from forms. */
export class Browser {
  readonly base: string;
  readonly cookies = new Map<string, string>();
  readonly headers: Record<string, string>;
  /** `headers` go with every request (e.g. X-Forwarded-Proto behind a trusted proxy). */
  constructor(base: string, headers: Record<string, string> = {}) { this.base = base; this.headers = headers; }

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers({ ...this.headers, ...Object.fromEntries(new Headers(init.headers)) });
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(new URL(path, this.base), { ...init, headers, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  get(path: string, headers: Record<string, string> = {}) {
    return this.request(path, { headers: { accept: 'text/html', ...headers } });
  }

  /** Posts a form; `data` values that are arrays become repeated fields. */
  post(path: string, data: Record<string, string | string[]>, headers: Record<string, string> = {}) {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(data)) for (const item of Array.isArray(v) ? v : [v]) body.append(k, item);
    return this.request(path, { method: 'POST', body, headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', ...headers } });
  }

  /** GETs a page and returns the CSRF token of its first form. */
  async csrf(path: string): Promise<string> {
    const html = await (await this.get(path)).text();
    const token = csrfFrom(html);
    if (!token) throw new Error(`no CSRF token on ${path}`);
    return token;
  }

  /** GETs a form page and returns the hidden fields a submission sends back: CSRF token, one-time form token. */
  async formFields(path: string): Promise<Record<string, string>> {
    const fields = formFieldsFrom(await (await this.get(path)).text());
    if (!fields.csrfmiddlewaretoken) throw new Error(`no CSRF token on ${path}`);
    return fields;
  }

  /** `page`: the login form's address (OpenID Connect's re-authentication adds `reauth=1`). */
  async login(username: string, password: string, next?: string, page = '/accounts/login/'): Promise<Response> {
    const token = await this.csrf(page);
    return this.post('/accounts/login/', { csrfmiddlewaretoken: token, username, password, ...(next ? { next } : {}) });
  }
}

export function csrfFrom(html: string): string | undefined {
  return /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(html)?.[1];
}

/** The hidden fields of a page's form that a submission sends back (csrfmiddlewaretoken, form_once when present). */
export function formFieldsFrom(html: string): Record<string, string> {
  const once = /name="form_once" value="([^"]+)"/.exec(html)?.[1];
  return { csrfmiddlewaretoken: csrfFrom(html) ?? '', ...(once ? { form_once: once } : {}) };
}

/** Reads the value of an element marked with data-testid (pages mark what tests and people copy). */
export function testIdValue(html: string, id: string): string | undefined {
  const m = new RegExp(`<input[^>]*value="([^"]*)"[^>]*data-testid="${id}"`).exec(html)
    ?? new RegExp(`<input[^>]*data-testid="${id}"[^>]*value="([^"]*)"`).exec(html)
    ?? new RegExp(`<(?!input)[a-z]+[^>]*data-testid="${id}"[^>]*>([^<]*)<`).exec(html);
  return m?.[1];
}
