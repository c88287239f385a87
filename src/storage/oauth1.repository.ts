import { hashToken } from '../oauth2/tokens.ts';
import { open, seal } from '../oauth1/secret-box.ts';
import type { ConsumerRecord, OAuth1FlowStore, TokenCredentials } from '../oauth1/store.ts';
import { tx, type Sql } from './sql.ts';
import { holdGrantTx } from './revocation.ts';
import { RevokedMeanwhile } from '../oauth2/store.ts';

interface DbToken { id: number; kind: string; application_id: number; user_id: number | null; grant_id: number | null; secret_sealed: string; callback: string | null; verifier_hash: string | null; expires_at: number | null; used_at: number | null; revoked_at: number | null; user_active: number | boolean | null }

/** Where nonces live when not in the database (Redis): `remember` is true for the first caller only. */
export interface NonceStore { remember(key: string, ttlMs: number): Promise<boolean> }

/** OAuth 1.0a consumers, credentials and nonces. Secrets are sealed at rest and opened only to verify. */
export class OAuth1Repository implements OAuth1FlowStore {
  readonly #sql: Sql;
  readonly #key: Buffer;
  readonly #nonces: NonceStore | undefined;
  constructor(sql: Sql, key: Buffer, nonces?: NonceStore) { this.#sql = sql; this.#key = key; this.#nonces = nonces; }

  async findConsumer(consumerKey: string): Promise<ConsumerRecord | null> {
    const r = await this.#sql.get<{ id: number; oauth1_secret_sealed: string | null; rsa_public_key: string | null; redirect_uris: string }>(
      'select id, oauth1_secret_sealed, rsa_public_key, redirect_uris from applications where client_id = ? and oauth1_enabled', [consumerKey]);
    if (!r || (!r.oauth1_secret_sealed && !r.rsa_public_key)) return null;
    return {
      applicationId: r.id, consumerKey, consumerSecret: r.oauth1_secret_sealed ? open(r.oauth1_secret_sealed, this.#key) : '',
      rsaPublicKey: r.rsa_public_key, callbackUris: r.redirect_uris.split(/\s+/).filter(Boolean),
    };
  }

  async findToken(token: string): Promise<TokenCredentials | null> {
    const r = await this.#sql.get<DbToken>(`select t.*, u.is_active as user_active from oauth1_tokens t left join users u on u.id = t.user_id where t.token_hash = ?`, [hashToken(token)]);
    if (!r) return null;
    return {
      token, secret: open(r.secret_sealed, this.#key), kind: r.kind as 'temporary' | 'access', applicationId: r.application_id, userId: r.user_id,
      expiresAt: r.expires_at === null ? null : Number(r.expires_at),
      // A spent temporary credential, or a deactivated user's token, is as good as revoked.
      revoked: r.revoked_at !== null || (r.kind === 'temporary' && r.used_at !== null) || (r.user_id !== null && !r.user_active),
      callback: r.callback ?? undefined, verifier: r.verifier_hash, grantId: r.grant_id,
    } as TokenCredentials;
  }

  async rememberNonce(consumerKey: string, token: string, timestamp: number, nonce: string, expiresAt: number): Promise<boolean> {
    if (this.#nonces) {
      // Hashed: the key holds no credential, and stays short whatever the client sent.
      const key = hashToken(JSON.stringify([consumerKey, token, timestamp, nonce]));
      return this.#nonces.remember(`oauth1:nonce:${key}`, Math.max(1000, expiresAt - Date.now()));
    }
    // The unique index decides: of two identical concurrent requests exactly one insert succeeds. The token
    // column holds the token's SHA-256, as oauth1_tokens does: a nonce row must not be a usable credential.
    const n = await this.#sql.run('insert into oauth1_nonces (consumer_key, token, timestamp, nonce, expires_at) values (?, ?, ?, ?, ?) on conflict do nothing', [consumerKey, hashToken(token), timestamp, nonce, expiresAt]);
    return n === 1;
  }

  async createTemporary(o: { token: string; secret: string; applicationId: number; callback: string; expiresAt: number }): Promise<void> {
    await this.#sql.run('insert into oauth1_tokens (token_hash, kind, application_id, secret_sealed, callback, expires_at, created_at) values (?, ?, ?, ?, ?, ?, ?)',
      [hashToken(o.token), 'temporary', o.applicationId, seal(o.secret, this.#key), o.callback, o.expiresAt, Date.now()]);
  }

  /** The user approved: bind the temporary credentials to them and record the verifier's hash. */
  async approveTemporary(token: string, userId: number, verifier: string, grantId: number): Promise<boolean> {
    return this.#sql.atomic(function* () {
      // Bound only while the grant is held and live (holdGrantTx; attacker read 9, F2).
      if ((yield* holdGrantTx('?', [grantId])) !== 'live') throw new RevokedMeanwhile('The grant was revoked meanwhile.');
      return (yield* tx.run("update oauth1_tokens set user_id = ?, verifier_hash = ?, grant_id = ? where token_hash = ? and kind = 'temporary' and used_at is null and verifier_hash is null and revoked_at is null",
        [userId, hashToken(verifier), grantId, hashToken(token)])) === 1;
    });
  }

  async refuseTemporary(token: string): Promise<void> {
    await this.#sql.run("update oauth1_tokens set revoked_at = ? where token_hash = ? and kind = 'temporary'", [Date.now(), hashToken(token)]);
  }

  /**
   * RFC 5849 §2.3: spends the temporary credentials and stores token credentials, atomically — of two
   * concurrent exchanges of one verifier exactly one succeeds.
   */
  exchange(o: { temporary: string; verifier: string; token: string; secret: string; now: number }): Promise<{ userId: number; applicationId: number } | null> {
    const sealed = seal(o.secret, this.#key);
    return this.#sql.atomic(function* () {
      // The grant first, as its revocation takes it (holdGrantTx): token credentials written while it was revoked
      // outlived it on PostgreSQL (attacker read 9, F2).
      if ((yield* holdGrantTx("(select grant_id from oauth1_tokens where token_hash = ? and kind = 'temporary')", [hashToken(o.temporary)])) === 'ended') return null;
      const t = yield* tx.get<DbToken>("select * from oauth1_tokens t where token_hash = ? and kind = 'temporary'", [hashToken(o.temporary)], { lock: 't' });
      if (!t || t.user_id === null || t.verifier_hash !== hashToken(o.verifier)) return null;
      if ((yield* tx.run('update oauth1_tokens set used_at = ? where id = ? and used_at is null and revoked_at is null', [o.now, t.id])) !== 1) return null;
      yield* tx.run('insert into oauth1_tokens (token_hash, kind, application_id, user_id, grant_id, secret_sealed, created_at) values (?, ?, ?, ?, ?, ?, ?)',
        [hashToken(o.token), 'access', t.application_id, t.user_id, t.grant_id, sealed, o.now]);
      return { userId: t.user_id, applicationId: t.application_id };
    });
  }

  async revokeByGrant(grantId: number, now: number): Promise<number> {
    return this.#sql.run('update oauth1_tokens set revoked_at = ? where grant_id = ? and revoked_at is null', [now, grantId]);
  }

  async deleteExpiredNonces(now: number): Promise<number> {
    return this.#sql.run('delete from oauth1_nonces where expires_at < ?', [now]);
  }

  /** Sets (or clears) an application's OAuth 1 consumer secret. */
  async setConsumerSecret(applicationId: number, secret: string | null): Promise<void> {
    await this.#sql.run('update applications set oauth1_secret_sealed = ? where id = ?', [secret === null ? null : seal(secret, this.#key), applicationId]);
  }
}
