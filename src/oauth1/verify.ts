import { badRequest, unauthorized } from './errors.ts';
import { collectParameters, type OAuth1Request } from './params.ts';
import { SIGNATURE_METHODS, signatureBaseString, verifySignature, type SignatureMethod } from './signature.ts';
import type { ConsumerRecord, OAuth1Stores, TokenCredentials } from './store.ts';

export interface VerifyOptions {
  stores: OAuth1Stores;
  /** Seconds since the epoch. */
  now: number;
  timestampWindow: number;
  tokenRequired: boolean;
  tokenKind?: 'temporary' | 'access';
  allowPlaintext: boolean;
  requireCallback?: boolean;
  /**
   * Runs the secret-dependent part (consumer, token, signature) for a consumer key: the HTTP layer counts it in the
   * same per-(client, source) budget as OAuth 2 client secrets, before it runs. A signature is a guess at the secret.
   */
  guard?: <T>(consumerKey: string, check: () => Promise<T>) => Promise<T>;
}

const DUMMY_SECRET = 'gatehouse-dummy-consumer-secret';

/**
 * Verifies a signed request (RFC 5849 §3.2): parameters, then timestamp, consumer, token, signature, and the
 * nonce last, so only a correctly signed request can spend a nonce.
 */
export async function verifyRequest(req: OAuth1Request, o: VerifyOptions): Promise<{ consumer: ConsumerRecord; token: TokenCredentials | null; protocol: Record<string, string> }> {
  const { all, protocol } = collectParameters(req);
  const method = protocol.oauth_signature_method as SignatureMethod;
  const required = ['oauth_consumer_key', 'oauth_signature_method', 'oauth_signature'];
  // RFC 5849 §3.1: timestamp and nonce MAY be omitted with PLAINTEXT; Gatehouse still requires them elsewhere.
  if (method !== 'PLAINTEXT') required.push('oauth_timestamp', 'oauth_nonce');
  if (o.tokenRequired) required.push('oauth_token');
  if (o.requireCallback) required.push('oauth_callback');
  const missing = required.filter((k) => !protocol[k]);
  if (missing.length) throw badRequest('parameter_absent', `Missing: ${missing.join(', ')}.`);
  if (!SIGNATURE_METHODS.includes(method) || (method === 'PLAINTEXT' && !o.allowPlaintext)) {
    throw badRequest('signature_method_rejected', `Signature method ${String(method).slice(0, 20)} is not accepted here.`);
  }
  const timestamp = protocol.oauth_timestamp === undefined ? o.now : Number(protocol.oauth_timestamp);
  if (protocol.oauth_timestamp !== undefined && (!/^\d{1,12}$/.test(protocol.oauth_timestamp) || Math.abs(timestamp - o.now) > o.timestampWindow)) {
    throw unauthorized('timestamp_refused', `oauth_timestamp must be within ${o.timestampWindow} seconds of the server's clock.`);
  }
  const base = signatureBaseString(req.method, req.url, all);
  const { consumer, token } = await (o.guard ?? ((_, check) => check()))(protocol.oauth_consumer_key, () => checkSignature(protocol, base, o));
  if (protocol.oauth_nonce !== undefined) {
    const fresh = await o.stores.rememberNonce(consumer.consumerKey, protocol.oauth_token ?? '', timestamp, protocol.oauth_nonce.slice(0, 255), (o.now + o.timestampWindow * 2) * 1000);
    if (!fresh) throw unauthorized('nonce_used', 'This nonce was already used.');
  }
  return { consumer, token, protocol };
}

/** The consumer, its token and the signature made with their secrets (RFC 5849 §3.2 items 3 and 4). */
async function checkSignature(protocol: Record<string, string>, base: string, o: VerifyOptions): Promise<{ consumer: ConsumerRecord; token: TokenCredentials | null }> {
  const method = protocol.oauth_signature_method as SignatureMethod;
  const consumer = await o.stores.findConsumer(protocol.oauth_consumer_key);
  if (!consumer) {
    // Same work for an unknown consumer as for a known one: timing must not reveal which keys exist.
    verifySignature(method === 'RSA-SHA1' ? 'HMAC-SHA1' : method, base, protocol.oauth_signature, DUMMY_SECRET, '');
    throw unauthorized('consumer_key_unknown', 'Unknown or disabled consumer key.');
  }
  let token: TokenCredentials | null = null;
  if (protocol.oauth_token) {
    token = await o.stores.findToken(protocol.oauth_token);
    const usable = token && token.applicationId === consumer.applicationId && !token.revoked
      && (!o.tokenKind || token.kind === o.tokenKind) && (token.expiresAt === null || token.expiresAt > o.now * 1000);
    if (!usable) throw unauthorized('token_rejected', 'The token is unknown, expired, revoked or not for this consumer.');
  }
  // A consumer registered with only an RSA key has no shared secret: an HMAC "signed" with an empty one proves nothing.
  const secretless = method !== 'RSA-SHA1' && !consumer.consumerSecret;
  if (secretless || !verifySignature(method, base, protocol.oauth_signature, consumer.consumerSecret, token?.secret ?? '', consumer.rsaPublicKey)) {
    throw unauthorized('signature_invalid', 'The signature does not match the request.');
  }
  return { consumer, token };
}
