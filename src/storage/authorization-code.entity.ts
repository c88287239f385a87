import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, epochMs } from './columns.ts';
import { User } from './user.entity.ts';
import { Application } from './application.entity.ts';
import { Grant } from './grant.entity.ts';

export const AuthorizationCode = defineEntity({
  name: 'AuthorizationCode',
  tableName: 'authorization_codes',
  properties: {
    id: p.integer().primary(),
    /** SHA-256 of the code: the code itself is never stored. */
    codeHash: p.string().length(64).unique(),
    application: () => p.manyToOne(Application).deleteRule('cascade').index(),
    user: () => p.manyToOne(User).deleteRule('cascade'),
    grant: () => p.manyToOne(Grant).deleteRule('cascade').nullable(),
    redirectUri: p.text(),
    /** Whether redirect_uri was present in the authorization request (RFC 6749 §4.1.3). */
    redirectUriProvided: p.boolean().default(true),
    scope: p.text(),
    /** RFC 8707: the resources the authorization request named, space-separated ('' for none). */
    resource: p.text().default(''),
    codeChallenge: p.string().length(128).nullable(),
    codeChallengeMethod: p.string().length(10).nullable(),
    /** Tokens issued from this code share this family, so a replayed code can revoke them (RFC 6749 §4.1.2). */
    familyId: p.string().length(64),
    /** OpenID Connect Core §3.1.2.1 nonce, returned in the ID Token (only with scope openid). */
    nonce: p.text().nullable(),
    /** When the user last authenticated (Core §2 auth_time), from the session that approved. */
    authTime: epochMs().nullable(),
    /** OpenID Connect Core §5.5: claims asked for in the ID Token, space-separated. */
    idTokenClaims: p.text().default(''),
    /** The login session's id (OpenID Connect Back-Channel Logout §2.1 sid), for the ID Token. */
    sid: p.string().length(64).nullable(),
    /** RFC 8176 amr values of that login, space separated ('' unknown), for the ID Token. */
    amr: p.string().length(100).default(''),
    /** RFC 9449 §10: dpop_jkt of the authorization request; the code is redeemed only with a proof of that key. */
    dpopJkt: p.string().length(43).nullable(),
    expiresAt: epochMs().index(),
    consumedAt: epochMs().nullable(),
    createdAt: createdAt(),
  },
});
export type AuthorizationCodeEntity = InferEntity<typeof AuthorizationCode>;
