import { generateClientId, generateClientSecret, hashClientSecret } from './tokens.ts';
import { seal } from '../oauth1/secret-box.ts';
import { secretFitsSigningAlg } from './client-assertion/algorithms.ts';
import { DeletedMeanwhile, type ClientInput, type ClientOrigin, type ClientRecord, type ClientStore, type EventSink } from './store.ts';

export interface ClientDeps {
  clients: ClientStore; events: EventSink; pepper: string; sealKey: Buffer;
  /** Counts an account's own registration, consumed before it (REGISTRATION_LIMIT_PER_ACCOUNT); absent, none counted. */
  accountRegistrations?: (userId: number) => Promise<{ allowed: boolean; retryAfter: number }>;
}
type Actor = { userId?: number; ip?: string | null; requestId?: string | null; isAdmin?: boolean };

/** An account registered as many clients as its budget allows in the window (REGISTRATION_LIMIT_PER_ACCOUNT). */
export class RegistrationBudgetSpent extends Error {
  readonly retryAfter: number;
  constructor(retryAfter: number) { super('Too many clients registered from this account. Try again later.'); this.retryAfter = retryAfter; }
}

/**
 * Whether a sealed copy of the secret is kept: OAuth 1 HMAC signatures and client_secret_jwt assertions (RFC 7523,
 * an HMAC keyed with the secret) both need the secret itself, which an HMAC of it cannot give back.
 */
const needsSealedSecret = (input: Pick<ClientInput, 'oauth1Enabled' | 'tokenEndpointAuthMethod'>) => input.oauth1Enabled || input.tokenEndpointAuthMethod === 'client_secret_jwt';

/**
 * Whether the client has any use for a shared secret (RFC 7591 §3.2.1: client_secret only when the client uses one):
 * a secret-based token endpoint method, or OAuth 1 HMAC signatures. A private_key_jwt client is confidential without
 * one, so none is issued, returned or stored for it, and it has none to rotate.
 */
export const usesSecret = (input: Pick<ClientInput, 'clientType' | 'oauth1Enabled' | 'tokenEndpointAuthMethod'>) =>
  input.clientType === 'confidential' && (input.tokenEndpointAuthMethod !== 'private_key_jwt' || input.oauth1Enabled);

/** The secret's stored forms: always an HMAC for OAuth 2; also a sealed copy where needsSealedSecret. */
function storedForms(secret: string, input: ClientInput, deps: ClientDeps) {
  return { secretHash: hashClientSecret(secret, deps.pepper), oauth1SecretSealed: needsSealedSecret(input) ? seal(secret, deps.sealKey) : null };
}

/** A registration whose claim (an initial access token's spend) was lost: the client made for it is gone again. */
export class RegistrationClaimLost extends Error {}

/**
 * Registers a client. The secret is returned here once and only its HMAC (and, for OAuth 1, a sealed copy) is stored.
 * `claim` (RFC 7591 §3, an initial access token) is spent only once the row exists, atomically in its own statement:
 * a registration that fails before it spends nothing, and one whose spend loses a race deletes the row it made
 * (never shown to anyone: no secret, id or token left this function) and throws RegistrationClaimLost.
 */
export async function registerClient(
  input: ClientInput, ownerId: number, deps: ClientDeps, actor?: Actor, origin?: { registered: ClientOrigin; registrationTokenHash: string; claim?: () => Promise<boolean> },
): Promise<{ client: ClientRecord; clientSecret: string | null }> {
  // An account's own registrations (GraphQL, the applications page) store a row each and any account may make them:
  // counted per account, consume first (attacker read 20, F5: 5,000 clients in 3 s). Dynamic registration has its own
  // budget per source; administrators, the CLI and the seeder are not counted.
  if (!origin && actor?.userId !== undefined && !actor.isAdmin && deps.accountRegistrations) {
    const attempt = await deps.accountRegistrations(actor.userId);
    if (!attempt.allowed) throw new RegistrationBudgetSpent(attempt.retryAfter);
  }
  const clientSecret = usesSecret(input) ? generateClientSecret() : null;
  const { claim, ...stored } = origin ?? {};
  const client = await deps.clients.create({
    ...input,
    clientId: generateClientId(),
    ...(clientSecret ? storedForms(clientSecret, input, deps) : { secretHash: null, oauth1SecretSealed: null }),
    ownerId,
    ...stored,
  });
  if (claim) {
    let won = false;
    try { won = await claim(); } finally { if (!won) await deps.clients.delete(client.id); }
    if (!won) throw new RegistrationClaimLost('the initial access token was spent by another registration');
  }
  await deps.events.record({ type: 'client.registered', clientId: client.clientId, userId: actor?.userId ?? ownerId, ip: actor?.ip, requestId: actor?.requestId });
  return { client, clientSecret };
}

/**
 * Updates a client. A secret is generated (and returned once) when the client comes to use one (usesSecret), when
 * OAuth 1 is switched on and no sealed copy exists (the plaintext of the old secret is not kept anywhere), or when
 * its token_endpoint_auth_signing_alg is an HS alg its secret is too short for (RFC 7518 §3.2: a secret of 43
 * characters, from before issue 22, fits HS256 only). Issuing one, as for the switch to client_secret_jwt, rather
 * than refusing the update: the new secret (64 octets) fits every HS alg and is shown once, like every secret.
 */
export async function updateClient(client: ClientRecord, input: ClientInput, deps: ClientDeps, actor?: Actor): Promise<{ client: ClientRecord; clientSecret: string | null }> {
  let clientSecret: string | null = null;
  let forms: { secretHash?: string | null; oauth1SecretSealed?: string | null } = {};
  if (!usesSecret(input)) forms = { secretHash: null, oauth1SecretSealed: null };
  else if (!client.secretHash || (needsSealedSecret(input) && client.secretOctets === null) || !secretFitsSigningAlg(input, client.secretOctets)) {
    // The plaintext of the old secret is not kept: switching to client_secret_jwt (or OAuth 1) issues a new one.
    clientSecret = generateClientSecret();
    forms = storedForms(clientSecret, input, deps);
  } else if (!needsSealedSecret(input)) forms = { oauth1SecretSealed: null };
  const updated = await deps.clients.update(client.id, { ...input, ...forms });
  await deps.events.record({ type: 'client.updated', clientId: client.clientId, userId: actor?.userId, ip: actor?.ip, requestId: actor?.requestId });
  return { client: updated, clientSecret };
}

/** Replaces a confidential client's secret; the old one stops working at once, for OAuth 2 and OAuth 1. */
/** Another rotation of the same client's secret was written between this one's read and its write. */
export class SecretRotationRace extends Error {
  constructor() { super('The secret was rotated at the same time; try again.'); }
}

/**
 * A new secret, written only over the hash this rotation read (compare-and-set): of concurrent rotations exactly one
 * wins, and the others throw SecretRotationRace instead of returning a secret that never worked (issue 21 #4).
 */
export async function rotateClientSecret(client: ClientRecord, deps: ClientDeps, actor?: Actor): Promise<string> {
  const clientSecret = generateClientSecret();
  const forms = storedForms(clientSecret, client, deps);
  if (!(await deps.clients.setSecretHash(client.id, client.secretHash, forms.secretHash, forms.oauth1SecretSealed))) {
    // Lost to another rotation, or to the client's deletion (said as such, not as a race to retry).
    if (!(await deps.clients.findById(client.id))) throw new DeletedMeanwhile();
    throw new SecretRotationRace();
  }
  await deps.events.record({ type: 'client.secret_rotated', clientId: client.clientId, userId: actor?.userId, ip: actor?.ip, requestId: actor?.requestId });
  return clientSecret;
}

export async function deleteClient(client: ClientRecord, deps: ClientDeps, actor?: Actor): Promise<void> {
  // Recorded once, by the call that deleted it (concurrent deletions of one client share one run).
  if (!(await deps.clients.delete(client.id))) return;
  await deps.events.record({ type: 'client.deleted', clientId: client.clientId, userId: actor?.userId, ip: actor?.ip, requestId: actor?.requestId });
}
