import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { Browser, csrfFrom, type TestServer } from './helpers.ts';
import { encodeBasicAuthorization } from '../src/oauth2/client-auth.ts';
import type { ClientRecord } from '../src/oauth2/store.ts';

export const pkcePair = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

/**
 * RFC 9449 §7.1: what a resource that takes DPoP answers a request without any token: Bearer's challenge, then
 * DPoP's with the proof algorithms (the metadata's dpop_signing_alg_values_supported), comma-joined.
 */
export const bothChallenges = (params: string) => `Bearer ${params}, DPoP ${params}, algs="ES256 ES384 ES512 EdDSA Ed25519 RS256 RS384 RS512 PS256 PS384 PS512"`;

/** POSTs a form to a protocol endpoint, optionally with client_secret_basic. */
export function postForm(url: string, body: Record<string, string>, auth?: { id: string; secret: string }, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(auth ? { authorization: encodeBasicAuthorization(auth.id, auth.secret) } : {}), ...headers },
    body: new URLSearchParams(body),
  });
}

/** A logged-in person and a confidential client registered for the authorization-code flow. */
export async function codeFlowSetup(srv: TestServer, client: Partial<Parameters<TestServer['app']['seed']['client']>[0]> = {}) {
  const user = await srv.app.seed.user({ username: `u${randomBytes(3).toString('hex')}` });
  const { client: c, clientSecret } = await srv.app.seed.client({ owner: user, grantTypes: ['authorization_code'], redirectUris: ['https://client.example.com/cb'], allowedScopes: ['read', 'write'], ...client });
  const browser = new Browser(srv.url);
  await browser.login(user.username, user.password);
  return { user, client: c as ClientRecord, secret: clientSecret, browser, auth: { id: c.clientId, secret: clientSecret ?? '' } };
}

/**
 * Opens the consent page and reads its form as a browser would submit it (hidden fields and the CSRF token), without
 * a decision; null when the authorization endpoint answered without a page (`res`, a redirect).
 */
export async function consentForm(browser: Browser, params: Record<string, string> | URLSearchParams): Promise<{ res: Response; fields: Record<string, string | string[]> | null }> {
  const res = await browser.get(`/o/authorize/?${new URLSearchParams(params)}`);
  if (res.status !== 200) return { res, fields: null };
  const html = await res.text();
  // A repeated field (RFC 8707 resource) is posted repeated, as a browser would.
  const fields: Record<string, string | string[]> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) {
    const had = fields[m[1]];
    fields[m[1]] = had === undefined ? decodeHtml(m[2]) : [...(Array.isArray(had) ? had : [had]), decodeHtml(m[2])];
  }
  fields.csrfmiddlewaretoken = csrfFrom(html)!;
  return { res, fields };
}

/** Goes through the consent page as a person would, pressing Allow (or Deny); returns the final redirect. */
export async function authorizeThroughConsent(browser: Browser, params: Record<string, string> | URLSearchParams, decision: 'allow' | 'deny' = 'allow'): Promise<URL> {
  const { res, fields } = await consentForm(browser, params);
  if (res.status === 302) return new URL(res.headers.get('location')!, browser.base);
  if (!fields) throw new Error(`authorize answered ${res.status}`);
  if (decision === 'allow') fields.allow = 'Authorize';
  const post = await browser.post('/o/authorize/', fields);
  if (post.status !== 302) throw new Error(`consent POST answered ${post.status}`);
  return new URL(post.headers.get('location')!, browser.base);
}

/**
 * RFC 6749 §4.1.2.1: an authorization refused to the client at its redirect_uri (302), with the request's state and
 * RFC 9207's iss, and no code; returns the redirect's parameters.
 */
export function redirectedRefusal(res: Response, o: { issuer: string; state: string; callback?: string }): URLSearchParams {
  expect(res.status, 'a redirect to the client').to.equal(302);
  const back = new URL(res.headers.get('location')!);
  expect(`${back.origin}${back.pathname}`).to.equal(o.callback ?? 'https://client.example.com/cb');
  expect(back.searchParams.get('code'), 'no code for the client').to.equal(null);
  expect(back.searchParams.get('state')).to.equal(o.state);
  expect(back.searchParams.get('iss')).to.equal(o.issuer);
  return back.searchParams;
}

const decodeHtml = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** Runs authorize → code for a setup; returns the code and the verifier used. */
export async function getCode(setup: Awaited<ReturnType<typeof codeFlowSetup>>, extra: Record<string, string> = {}) {
  const { verifier, challenge } = pkcePair();
  const loc = await authorizeThroughConsent(setup.browser, { response_type: 'code', client_id: setup.client.clientId, redirect_uri: 'https://client.example.com/cb', scope: 'read', state: 'xyz', code_challenge: challenge, code_challenge_method: 'S256', ...extra });
  return { code: loc.searchParams.get('code')!, verifier, location: loc };
}

/** authorize → code → token endpoint for a setup; returns the token response (OpenID Connect tests add scope and nonce). */
export async function codeFlowTokens(srv: TestServer, setup: Awaited<ReturnType<typeof codeFlowSetup>>, extra: Record<string, string> = {}, headers?: (tokenUrl: string) => Promise<Record<string, string>>): Promise<Record<string, string>> {
  const { code, verifier } = await getCode(setup, extra);
  const tokenUrl = `${srv.url}/o/token/`;
  const res = await postForm(tokenUrl, { grant_type: 'authorization_code', code, redirect_uri: 'https://client.example.com/cb', code_verifier: verifier }, setup.auth, headers ? await headers(tokenUrl) : undefined);
  if (res.status !== 200) throw new Error(`token endpoint answered ${res.status}: ${await res.text()}`);
  return res.json() as Promise<Record<string, string>>;
}

/**
 * A client's ES256 signing key (private_key_jwt assertions, RFC 9101 request objects), another key it does not
 * own, and the JWK Set to register: { keys: [the public key, kid k1] }.
 */
export async function clientSigningKeys(): Promise<{ key: CryptoKey; otherKey: CryptoKey; jwks: { keys: JWK[] } }> {
  const pair = await generateKeyPair('ES256', { extractable: true });
  const otherKey = (await generateKeyPair('ES256')).privateKey;
  return { key: pair.privateKey, otherKey, jwks: { keys: [{ ...await exportJWK(pair.publicKey), kid: 'k1', alg: 'ES256', use: 'sig' }] } };
}
