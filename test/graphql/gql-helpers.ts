import { Browser, type TestServer } from '../helpers.ts';
import { postForm } from '../oauth-helpers.ts';

export interface Gql { (query: string, variables?: Record<string, unknown>): Promise<{ status: number; data: any; errors?: any[] }> }

/** A GraphQL client over HTTP with a bearer token (or none). */
export function gql(url: string, token?: string, headers: Record<string, string> = {}): Gql {
  return async (query, variables = {}) => {
    const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers }, body: JSON.stringify({ query, variables }) });
    const body = await res.json();
    return { status: res.status, ...body };
  };
}

/** An admin and a regular user, each with a token from the password grant. */
export async function actors(srv: TestServer) {
  const root = await srv.app.seed.user({ username: 'root', isAdmin: true });
  const alice = await srv.app.seed.user({ username: 'alice' });
  const { client, clientSecret } = await srv.app.seed.client({ owner: root, name: 'Admin console', grantTypes: ['password'], allowedScopes: ['read', 'write', 'admin', 'applications', 'openid', 'profile', 'email', 'phone', 'address'] });
  const token = async (u: { username: string; password: string }, scope: string) =>
    (await (await postForm(`${srv.url}/o/token/`, { grant_type: 'password', username: u.username, password: u.password, scope }, { id: client.clientId, secret: clientSecret! })).json()).access_token as string;
  const adminToken = await token(root, 'admin');
  const userToken = await token(alice, 'read write applications profile email phone address');
  return {
    root, alice, console: client, adminToken, userToken,
    /** A token of the console client (password grant) for this user and scope. */
    token,
    admin: gql(srv.url, adminToken),
    // The first-party console an administrator allowed `applications`: alice manages her own clients with it, and
    // her profile claims (the OpenID Connect scopes that release them).
    user: gql(srv.url, userToken),
    userReadOnly: gql(srv.url, await token(alice, 'read')),
    anonymous: gql(srv.url),
    aliceBrowser: async () => { const b = new Browser(srv.url); await b.login('alice', alice.password); return b; },
  };
}

export const CLIENT_INPUT = { name: 'Via GraphQL', grantTypes: ['AUTHORIZATION_CODE'], redirectUris: ['https://client.example.com/cb'], allowedScopes: ['read', 'write'] };
