import { open } from '../oauth1/secret-box.ts';
import type { Sql } from './sql.ts';

/**
 * The sealed copy of a client secret (applications.oauth1_secret_sealed, AES-256-GCM under ENCRYPTION_KEY), opened
 * only to verify what needs the secret itself: client_secret_jwt assertions (RFC 7523, an HMAC keyed with it).
 * Kept for clients using OAuth 1 or client_secret_jwt only (oauth2/clients.ts needsSealedSecret).
 */
export class ClientSecretVault {
  readonly #sql: Sql;
  readonly #key: Buffer;
  constructor(sql: Sql, key: Buffer) { this.#sql = sql; this.#key = key; }

  async secretOf(applicationId: number): Promise<string | null> {
    const r = await this.#sql.get<{ oauth1_secret_sealed: string | null }>('select oauth1_secret_sealed from applications where id = ?', [applicationId]);
    if (!r?.oauth1_secret_sealed) return null;
    try { return open(r.oauth1_secret_sealed, this.#key); } catch { return null; }
  }
}
