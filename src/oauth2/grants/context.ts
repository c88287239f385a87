import type { UserStore } from '../../accounts/store.ts';
import type { PasswordThrottle } from '../../accounts/password-throttle.ts';
import type { ClientRecord, EventSink, GrantStore, TokenStore } from '../store.ts';
import type { TokenResponse } from '../issue.ts';

/** Everything a grant handler may use: stores it owns interfaces for, settings, and who is asking. */
export interface GrantContext {
  tokens: TokenStore;
  grants: GrantStore;
  users: UserStore;
  events: EventSink;
  settings: {
    accessTokenTtl: number;
    refreshTokenTtl: number;
    defaultScopes: readonly string[];
    allowPlainPkce: boolean;
  };
  now: number;
  audit: { ip: string | null; requestId: string | null };
  /** Password guesses counted with the login page (per username and per source), so the grant is no way around it. */
  passwordThrottle: PasswordThrottle;
}

export type GrantParams = Record<string, string>;

/** DESIGN rule 1: every grant module has this shape; undeclared parameters never reach `handle`. */
export interface GrantModule {
  grantType: string;
  parameters: ReadonlySet<string>;
  handle(params: GrantParams, client: ClientRecord, ctx: GrantContext): Promise<TokenResponse>;
}
