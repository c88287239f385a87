// The registry of grant types: one line a grant. Everything else that names grant types derives from this list
// (grant-types.ts, metadata.ts, the form, the CLI, privileges.ts; test/graphql/registry-drift.test.ts checks the
// GraphQL enum). Order is the order of discovery and of the form. docs/architecture.md: "Adding a grant type".
import * as authorizationCode from './authorization-code.ts';
import * as implicit from './implicit.ts';
import * as password from './password.ts';
import * as clientCredentials from './client-credentials.ts';
import * as refreshToken from './refresh-token.ts';
import * as deviceCode from './device-code.ts';
import * as tokenExchange from './token-exchange.ts';
import type { GrantModule, TokenGrant } from './context.ts';

export const GRANTS = [authorizationCode, implicit, password, clientCredentials, refreshToken, deviceCode, tokenExchange] as const satisfies readonly GrantModule[];

/** The token endpoint's grants (those with a token-endpoint step), by grant_type. */
export const grants: ReadonlyMap<string, TokenGrant> = new Map(
  (GRANTS as readonly GrantModule[]).filter((g): g is TokenGrant => g.handle !== undefined).map((g) => [g.grantType, g]),
);
