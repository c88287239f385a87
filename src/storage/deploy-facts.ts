// What `check --deploy` (src/config/deploy-check.ts) needs to know from the database: read here, judged there.
// Each read stands alone: a database whose migrations are pending may lack a column, and the other facts still count.
import type { Orm, Dialect } from './orm.ts';
import { pendingMigrations } from './orm.ts';
import { Application } from './application.entity.ts';
import { SigningKey } from './signing-key.entity.ts';
import { User } from './user.entity.ts';
import { open, sealedOctets } from '../oauth1/secret-box.ts';
import { hmacKeyFits } from '../oauth2/client-assertion/algorithms.ts';
import type { DeployFacts } from '../config/deploy-check.ts';
import { readResponseTypes } from './application-record.ts';
import type { ClientType, GrantType, IdTokenSigningAlg, TokenEndpointAuthMethod } from '../oauth2/store.ts';

/**
 * `devSealKey`: the development ENCRYPTION_KEY; a stored signing key it opens was made in development and anyone
 * holding the database can read its private half. `grantTypes`: the grant types whose clients are listed.
 */
export async function gatherDeployFacts(orm: Orm, dialect: Dialect, opts: { devSealKey: Buffer; grantTypes: readonly string[] }): Promise<DeployFacts> {
  const em = orm.em.fork();
  const attempt = async <T>(read: () => Promise<T>): Promise<T | null> => { try { return await read(); } catch { return null; } };
  const opens = (sealed: string) => { try { open(sealed, opts.devSealKey); return true; } catch { return false; } };
  return {
    pendingMigrations: await pendingMigrations(orm, dialect),
    initialPasswordAdmins: await attempt(async () => (await em.find(User, { isAdmin: true, isActive: true, initialPassword: true }, { orderBy: { id: 'asc' } })).map((u) => u.username)),
    signingKeys: await attempt(async () => (await em.find(SigningKey, {}, { orderBy: { id: 'asc' } })).map((k) => ({
      kid: k.kid, alg: k.alg, status: k.status, createdAt: k.createdAt, retiredAt: k.retiredAt ?? null, sealedUnderDevKey: opens(k.privateJwkSealed),
    }))),
    clientsWithGrants: await attempt(async () => {
      const rows = await em.find(Application, { $or: opts.grantTypes.map((g) => ({ grantTypes: { $like: `%${g}%` } })) }, { orderBy: { id: 'asc' }, fields: ['clientId', 'grantTypes'] });
      // The LIKE narrows; the split decides (a URN could contain a word).
      return rows.map((a) => ({ clientId: a.clientId, grantTypes: a.grantTypes.split(' ').filter((g) => opts.grantTypes.includes(g)) })).filter((c) => c.grantTypes.length > 0);
    }),
    // RFC 7518 §3.2: the secret's length is the sealed copy's ciphertext length (no key needed, nothing opened).
    shortSecretClients: await attempt(async () => {
      const rows = await em.find(Application, { tokenEndpointAuthMethod: 'client_secret_jwt', tokenEndpointAuthSigningAlg: { $in: ['HS384', 'HS512'] } }, { orderBy: { id: 'asc' }, fields: ['clientId', 'tokenEndpointAuthSigningAlg', 'oauth1SecretSealed'] });
      return rows.map((a) => ({ clientId: a.clientId, alg: a.tokenEndpointAuthSigningAlg!, octets: a.oauth1SecretSealed ? sealedOctets(a.oauth1SecretSealed) ?? 0 : 0 }))
        .filter((c) => !hmacKeyFits(c.alg, c.octets));
    }),
    // SECURITY_PROFILE: the metadata its rules judge, of every client (security-profile/clients.ts decides).
    profileClients: await attempt(async () => (await em.find(Application, {}, { orderBy: { id: 'asc' } })).map((a) => {
      const grantTypes = a.grantTypes.split(/\s+/).filter(Boolean) as GrantType[];
      return {
        clientId: a.clientId, clientType: a.clientType as ClientType, grantTypes, responseTypes: readResponseTypes(a.responseTypes, grantTypes),
        tokenEndpointAuthMethod: a.tokenEndpointAuthMethod as TokenEndpointAuthMethod, dpopBoundAccessTokens: a.dpopBoundAccessTokens,
        tokenEndpointAuthSigningAlg: a.tokenEndpointAuthSigningAlg ?? null, requestObjectSigningAlg: a.requestObjectSigningAlg ?? null, authorizationCodeLifetime: a.authorizationCodeLifetime ?? null,
        idTokenSignedResponseAlg: a.idTokenSignedResponseAlg as IdTokenSigningAlg, userinfoSignedResponseAlg: (a.userinfoSignedResponseAlg ?? null) as IdTokenSigningAlg | null, oauth1Enabled: Boolean(a.oauth1Enabled),
      };
    })),
  };
}
