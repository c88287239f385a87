import { generateClientId, generateClientSecret, hashClientSecret } from './tokens.ts';
import type { ClientInput, ClientRecord, ClientStore, EventSink } from './store.ts';

export interface ClientDeps { clients: ClientStore; events: EventSink; pepper: string }

/** Registers a client. The secret is returned here once and only its HMAC is stored. */
export async function registerClient(input: ClientInput, ownerId: number, deps: ClientDeps, actor?: { userId?: number; ip?: string | null; requestId?: string | null }): Promise<{ client: ClientRecord; clientSecret: string | null }> {
  const clientSecret = input.clientType === 'confidential' ? generateClientSecret() : null;
  const client = await deps.clients.create({
    ...input,
    clientId: generateClientId(),
    secretHash: clientSecret ? hashClientSecret(clientSecret, deps.pepper) : null,
    ownerId,
  });
  await deps.events.record({ type: 'client.registered', clientId: client.clientId, userId: actor?.userId ?? ownerId, ip: actor?.ip, requestId: actor?.requestId });
  return { client, clientSecret };
}

/** Updates a client; turning it confidential creates a secret (returned once), turning it public drops it. */
export async function updateClient(client: ClientRecord, input: ClientInput, deps: ClientDeps, actor?: { userId?: number; ip?: string | null; requestId?: string | null }): Promise<{ client: ClientRecord; clientSecret: string | null }> {
  let clientSecret: string | null = null;
  let secretHash: string | null | undefined;
  if (input.clientType === 'public') secretHash = null;
  else if (!client.secretHash) {
    clientSecret = generateClientSecret();
    secretHash = hashClientSecret(clientSecret, deps.pepper);
  }
  const updated = await deps.clients.update(client.id, { ...input, ...(secretHash !== undefined ? { secretHash } : {}) });
  await deps.events.record({ type: 'client.updated', clientId: client.clientId, userId: actor?.userId, ip: actor?.ip, requestId: actor?.requestId });
  return { client: updated, clientSecret };
}

/** Replaces a confidential client's secret; the old one stops working at once. */
export async function rotateClientSecret(client: ClientRecord, deps: ClientDeps, actor?: { userId?: number; ip?: string | null; requestId?: string | null }): Promise<string> {
  const clientSecret = generateClientSecret();
  await deps.clients.setSecretHash(client.id, hashClientSecret(clientSecret, deps.pepper));
  await deps.events.record({ type: 'client.secret_rotated', clientId: client.clientId, userId: actor?.userId, ip: actor?.ip, requestId: actor?.requestId });
  return clientSecret;
}

export async function deleteClient(client: ClientRecord, deps: ClientDeps, actor?: { userId?: number; ip?: string | null; requestId?: string | null }): Promise<void> {
  await deps.clients.delete(client.id);
  await deps.events.record({ type: 'client.deleted', clientId: client.clientId, userId: actor?.userId, ip: actor?.ip, requestId: actor?.requestId });
}
