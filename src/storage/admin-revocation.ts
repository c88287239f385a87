import type { TokenStore } from '../oauth2/store.ts';
import type { AdminStore, TokenKind, TokenView } from './admin-store.ts';
import { TOKEN_SOURCES, tokenView, type Row } from './admin-views.ts';
import { revokeGrantsTx } from './revocation.ts';
import type { Sql } from './sql.ts';
import type { TokenCache } from './token-cache.ts';

/** The admin API's revocations: everything of a user or client, or one token. Each clears the token cache. */
export class AdminRevocation implements Pick<AdminStore, 'revokeAllForUser' | 'revokeAllForClient' | 'revokeToken'> {
  readonly #sql: Sql;
  readonly #tokenCache: TokenCache;
  readonly #tokens: Pick<TokenStore, 'revokeFamily' | 'revokeAccessToken'>;
  constructor(sql: Sql, tokenCache: TokenCache, tokens: Pick<TokenStore, 'revokeFamily' | 'revokeAccessToken'>) {
    this.#sql = sql; this.#tokenCache = tokenCache; this.#tokens = tokens;
  }

  revokeAllForUser(userId: number, now: number) {
    return this.#revokeAll('user_id', userId, now);
  }

  revokeAllForClient(clientId: number, now: number) {
    return this.#revokeAll('application_id', clientId, now);
  }

  async #revokeAll(column: 'user_id' | 'application_id', value: number, now: number): Promise<number> {
    try {
      return await this.#sql.atomic(() => revokeGrantsTx(column, value, now));
    } finally {
      this.#tokenCache.clear();
    }
  }

  async revokeToken(kind: TokenKind, id: number, now: number, allowed: (token: TokenView) => boolean) {
    const { table, columns } = TOKEN_SOURCES[kind];
    const r = await this.#sql.get<Row>(`select ${columns}, grant_id${kind === 'REFRESH' ? ', family_id' : kind === 'ACCESS' ? ', token_hash' : ''} from ${table} where id = ?`, [id]);
    const token = r && tokenView(r, kind, now);
    if (!r || !token || !allowed(token)) return null;
    // A refresh token takes its family with it (RFC 7009 §2.1), as at the revocation endpoint.
    if (kind === 'REFRESH' && r.family_id) {
      return { token, revoked: await this.#tokens.revokeFamily({ familyId: String(r.family_id), grantId: r.grant_id === null ? null : Number(r.grant_id) }, now) };
    }
    // An access token takes what was exchanged from it (RFC 8693), as at the revocation endpoint.
    if (kind === 'ACCESS') return { token, revoked: await this.#tokens.revokeAccessToken(String(r.token_hash), now) };
    try {
      return { token, revoked: await this.#sql.run(`update ${table} set revoked_at = ? where id = ? and revoked_at is null`, [now, id]) };
    } finally {
      this.#tokenCache.clear();
    }
  }
}
