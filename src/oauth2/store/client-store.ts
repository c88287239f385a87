import type { TokenExchangePolicy } from '../token-exchange/policy.ts';
import type { ClientInput, ClientOrigin, ClientRecord } from './client-record.ts';

/**
 * A row a request stands on (its client, with what the client owned) was deleted while the request was answered:
 * the caller hears what it would have heard a moment later, never a 500 (http/middleware/errors.ts says how).
 */
export class DeletedMeanwhile extends Error {
  override readonly name = 'DeletedMeanwhile';
  constructor(what = 'client') { super(`The ${what} was deleted meanwhile.`); }
}

/** The registered clients. */
export interface ClientStore {
  /** Used by: token, authorize, revoke, introspect (client authentication and lookup). */
  findByClientId(clientId: string): Promise<ClientRecord | null>;
  /** Used by: application pages, GraphQL. */
  findById(id: number): Promise<ClientRecord | null>;
  /** Used by: application pages (ownerId) and admin listing (undefined = all). */
  list(ownerId?: number): Promise<ClientRecord[]>;
  /** Used by: registration. */
  create(data: ClientInput & { clientId: string; secretHash: string | null; oauth1SecretSealed: string | null; ownerId: number; registered?: ClientOrigin; registrationTokenHash?: string | null }): Promise<ClientRecord>;
  /** Used by: application edit. Throws DeletedMeanwhile when the client is gone. */
  update(id: number, data: ClientInput & { secretHash?: string | null; oauth1SecretSealed?: string | null }): Promise<ClientRecord>;
  /**
   * Used by: secret rotation (the sealed OAuth 1 copy changes with it). Compare-and-set: writes only while the stored
   * hash is still `expected` (the one the rotation read); false when a concurrent rotation got there first.
   */
  setSecretHash(id: number, expected: string | null, secretHash: string | null, oauth1SecretSealed?: string | null): Promise<boolean>;
  /**
   * Used by: application delete (its tokens and grants go with it). True for the call that deleted the row; false
   * when it was already gone or another call on this instance was deleting it (which this one waited for).
   */
  delete(id: number): Promise<boolean>;
  /**
   * Used by: the admin API's setTokenExchangePolicy only (privileges.ts tokenExchangePolicyRefusal decides first); null
   * turns exchange off. Throws DeletedMeanwhile when the client is gone.
   */
  setTokenExchange(id: number, policy: TokenExchangePolicy | null): Promise<void>;
}
