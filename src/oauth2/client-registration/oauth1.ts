// OAuth 1.0a on the same client (RFC 5849): switched on per client, HMAC with the secret or RSA-SHA1 with a public key.
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { rsaKeyProblem } from '../client-assertion/algorithms.ts';
import { toBool } from './fields.ts';
import type { Check } from './types.ts';

/** The longest PEM text taken for a key: an 8192-bit RSA public key's is about 1.5 KB. */
const MAX_PEM_CHARS = 4096;

const isPrivateKey = (pem: string): boolean => { try { createPrivateKey(pem); return true; } catch { return false; } };

export function validOAuth1({ raw, errors }: Check): { oauth1Enabled: boolean | null; rsaPublicKey: string | null } {
  const oauth1Enabled = toBool(raw.oauth1Enabled);
  if (oauth1Enabled === null) errors.oauth1Enabled = 'Must be true or false.';
  let rsaPublicKey = typeof raw.rsaPublicKey === 'string' && raw.rsaPublicKey.trim() ? raw.rsaPublicKey.trim() : null;
  if (raw.rsaPublicKey != null && typeof raw.rsaPublicKey !== 'string') errors.rsaPublicKey = 'Must be a PEM text.';
  // A PEM key and nothing else: OpenSSL's reader skips any text before -----BEGIN, so 95 KB of it was stored and
  // answered as one GraphQL value (attacker read 14, F1). An 8192-bit key's PEM is under 1.5 KB.
  if (rsaPublicKey && (rsaPublicKey.length > MAX_PEM_CHARS || !rsaPublicKey.startsWith('-----BEGIN '))) {
    errors.rsaPublicKey = 'Must be a PEM public key alone (-----BEGIN PUBLIC KEY-----).';
    rsaPublicKey = null;
  }
  if (rsaPublicKey) {
    // RFC 5849 §3.4.3: RSA-SHA1 needs the consumer's RSA public key.
    // Its size and exponent by the one RSA key rule (client-assertion/algorithms.ts).
    // A private key would be stored and shown back: refused, never turned into its public half here.
    if (isPrivateKey(rsaPublicKey)) errors.rsaPublicKey = 'That is a private key: paste the public key only.';
    else {
      try {
        const key = createPublicKey(rsaPublicKey);
        const problem = key.asymmetricKeyType === 'rsa' ? rsaKeyProblem(key, { modulus: true }) : 'Must be an RSA public key.';
        if (problem) errors.rsaPublicKey = problem;
      } catch { errors.rsaPublicKey = 'Not a PEM public key.'; }
    }
  }
  return { oauth1Enabled, rsaPublicKey };
}

/** A public client has no shared secret: OAuth 1.0a then needs RSA-SHA1's key. */
export function checkOAuth1Signable({ errors }: Check, o: { oauth1Enabled: boolean | null; rsaPublicKey: string | null }, clientType: unknown): void {
  if (o.oauth1Enabled && clientType === 'public' && !o.rsaPublicKey) errors.oauth1Enabled = 'OAuth 1.0a needs a shared secret (confidential client) or an RSA public key.';
}
