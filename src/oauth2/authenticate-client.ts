import { InvalidClient } from './errors.ts';
import { JWT_AUTH_METHOD_NAMES, type PresentedClientCredentials } from './client-auth.ts';
import { verifyClientAssertion, type AssertionVerifier } from './client-assertion/verify-assertion.ts';
import type { ClientRecord, ClientStore } from './store.ts';
import { hashClientSecret, verifyClientSecret } from './tokens.ts';

const DUMMY_HASH = hashClientSecret('gatehouse-dummy-secret', 'gatehouse-dummy-pepper');

/**
 * RFC 6749 §2.3: authenticates the client at the token, revocation and introspection endpoints.
 * Confidential clients must present their secret (Basic or body, RFC 6749 §2.3.1); public clients present
 * only their id. An unknown client id costs the same HMAC as a known one. A client registered for a JWT method
 * (RFC 7523 §2.2, Core §9: client_secret_jwt, private_key_jwt) authenticates only with an assertion, verified by
 * `assertions` (absent: every assertion is refused).
 */
export async function authenticateClient(presented: PresentedClientCredentials | null, clients: Pick<ClientStore, 'findByClientId'>, pepper: string, assertions?: AssertionVerifier): Promise<ClientRecord> {
  if (!presented) throw new InvalidClient('Client authentication is required.');
  const client = await clients.findByClientId(presented.clientId);
  // RFC 6749 §5.2 with RFC 9110 §15.5.2: the 401 always carries WWW-Authenticate.
  const fail = (msg: string): never => { throw new InvalidClient(msg); };
  if (!client) {
    if (presented.clientSecret !== undefined) verifyClientSecret(presented.clientSecret, DUMMY_HASH, pepper);
    return fail('Client authentication failed.');
  }
  if (client.clientType === 'public') {
    // A public client has no secret; one that sends a secret is misconfigured, not authenticated.
    if (presented.method !== 'none') return fail('Public clients do not authenticate with a secret.');
    return client;
  }
  if (presented.assertion !== undefined) {
    if (!assertions) return fail('Client authentication failed.');
    await verifyClientAssertion(presented.assertion, presented.method, client, assertions);
    return client;
  }
  // Core §9: a client registered for an assertion method proves itself that way only, never with its bare secret.
  if (JWT_AUTH_METHOD_NAMES.includes(client.tokenEndpointAuthMethod)) return fail('Client authentication failed.');
  if (presented.method === 'none' || presented.clientSecret === undefined) return fail('Client authentication failed.');
  if (!client.secretHash || !verifyClientSecret(presented.clientSecret, client.secretHash, pepper)) return fail('Client authentication failed.');
  return client;
}
