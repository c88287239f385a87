import type { GatehouseConfig } from './config.ts';
import type { UserRecord, UserStore } from './accounts/store.ts';
import type { ClientRecord, GrantType, ClientType } from './oauth2/store.ts';
import { createUser } from './accounts/users.ts';
import { registerClient, type ClientDeps } from './oauth2/clients.ts';
import { validateClientInput } from './oauth2/client-registration.ts';
import { registrationPolicy } from './oidc/subject.ts';
import { OPERATOR } from './oauth2/privileges.ts';

export interface Seeder {
  /** A user with a known password (default: 'password-<username>'). */
  user(data: { username: string; password?: string; isAdmin?: boolean; email?: string }): Promise<UserRecord & { password: string }>;
  /** A registered client, validated like the registration form; returns its one-time secret. */
  client(data: { owner: UserRecord; name?: string; clientType?: ClientType; grantTypes?: GrantType[]; redirectUris?: string[]; allowedScopes?: string[]; skipAuthorization?: boolean; allowedOrigins?: string[]; tokenEndpointAuthMethod?: string; oauth1Enabled?: boolean; rsaPublicKey?: string; postLogoutRedirectUris?: string[]; backchannelLogoutUri?: string; backchannelLogoutSessionRequired?: boolean; frontchannelLogoutUri?: string; frontchannelLogoutSessionRequired?: boolean; accessTokenFormat?: string; idTokenSignedResponseAlg?: string; responseTypes?: string[]; userinfoSignedResponseAlg?: string | null; subjectType?: string; sectorIdentifierUri?: string; jwks?: unknown; requestObjectSigningAlg?: string; accessTokenLifetime?: number | null; refreshTokenLifetime?: number | null; authorizationCodeLifetime?: number | null; jwksUri?: string; tokenEndpointAuthSigningAlg?: string; requestUris?: string[]; dpopBoundAccessTokens?: boolean }): Promise<{ client: ClientRecord; clientSecret: string | null }>;
}

export function createSeeder(deps: { config: GatehouseConfig; clientDeps: ClientDeps; users: UserStore; withContext: <T>(fn: () => Promise<T>) => Promise<T> }): Seeder {
  const { config, clientDeps } = deps;
  return {
    user: (data) => deps.withContext(async () => {
      const password = data.password ?? `password-${data.username}`;
      const r = await createUser(deps.users, { ...data, password });
      if (!r.ok) throw new Error(`seed.user: ${JSON.stringify(r.errors)}`);
      return { ...r.user, password };
    }),
    client: (data) => deps.withContext(async () => {
      const v = await validateClientInput({ name: 'Test client', grantTypes: ['authorization_code'], redirectUris: ['http://localhost:3000/callback'], ...data }, registrationPolicy(config), { actor: OPERATOR });
      if (!v.ok) throw new Error(`seed.client: ${JSON.stringify(v.errors)}`);
      return registerClient(v.value, data.owner.id, clientDeps);
    }),
  };
}
