import * as authorizationCode from './authorization-code.ts';
import * as refreshToken from './refresh-token.ts';
import * as password from './password.ts';
import * as clientCredentials from './client-credentials.ts';
import type { GrantModule } from './context.ts';

/** The token endpoint's grants; discovery metadata lists exactly these. */
export const grants: ReadonlyMap<string, GrantModule> = new Map(
  [authorizationCode, refreshToken, password, clientCredentials].map((g) => [g.grantType, g]),
);
