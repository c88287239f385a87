// createclient: every client field the registration form, GraphQL and dynamic registration accept, validated by
// the same validateClientInput (src/oauth2/client-registration.ts) with the operator's privileges.
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { registerClient } from '../oauth2/clients.ts';
import { REQUEST_OBJECT_ALGS, validateClientInput, type RawClientInput } from '../oauth2/client-registration.ts';
import { registrationPolicy } from '../oidc/subject.ts';
import { OPERATOR } from '../oauth2/privileges.ts';
import { REGISTRABLE_GRANT_TYPES } from '../oauth2/grant-types.ts';
import { RESPONSE_TYPES } from '../oauth2/response-types.ts';
import { CLIENT_AUTH_METHOD_NAMES } from '../oauth2/client-auth.ts';
import { ACCESS_TOKEN_FORMATS, APPLICATION_TYPES, SIGNING_ALGS, SUBJECT_TYPES } from '../oauth2/store.ts';
import { fail, out, usageError, withApp, type Command } from './command.ts';

// The accepted values come from the registries, dashed as in django-oauth-toolkit (both spellings are accepted);
// a URN is shown as it is.
const GRANT_CHOICES = REGISTRABLE_GRANT_TYPES.map((g) => (g.includes(':') ? g : g.replace(/_/g, '-'))).join(', ');

/** Each option and the validator's field it fills: `value` turns the option's text into what the field takes. */
const TEXT = (s: string) => s;
const LIST = (s: string) => s.split(',').join('\n');
const FILE = (f: string) => readFileSync(f, 'utf8');
interface Option { field: keyof RawClientInput; value?: (s: string) => unknown; flag?: true }
const FIELDS = {
  name: { field: 'name' }, type: { field: 'clientType' }, 'application-type': { field: 'applicationType' },
  'grant-types': { field: 'grantTypes' }, 'response-types': { field: 'responseTypes' }, 'redirect-uris': { field: 'redirectUris', value: LIST },
  scopes: { field: 'allowedScopes' }, 'skip-authorization': { field: 'skipAuthorization', flag: true }, 'allowed-origins': { field: 'allowedOrigins' },
  'auth-method': { field: 'tokenEndpointAuthMethod' }, oauth1: { field: 'oauth1Enabled', flag: true }, 'rsa-public-key-file': { field: 'rsaPublicKey', value: FILE },
  'post-logout-redirect-uris': { field: 'postLogoutRedirectUris', value: LIST }, 'backchannel-logout-uri': { field: 'backchannelLogoutUri' },
  'backchannel-logout-session-required': { field: 'backchannelLogoutSessionRequired', flag: true }, 'frontchannel-logout-uri': { field: 'frontchannelLogoutUri' },
  'frontchannel-logout-session-required': { field: 'frontchannelLogoutSessionRequired', flag: true }, 'access-token-format': { field: 'accessTokenFormat' },
  'id-token-alg': { field: 'idTokenSignedResponseAlg' }, 'userinfo-alg': { field: 'userinfoSignedResponseAlg' }, 'subject-type': { field: 'subjectType' },
  'sector-identifier-uri': { field: 'sectorIdentifierUri' }, 'jwks-file': { field: 'jwks', value: FILE }, 'request-object-alg': { field: 'requestObjectSigningAlg' },
  // RFC 7523 / Core §9: private_key_jwt's keys and the assertions' algorithm; RFC 9101 §5.2 request_uris.
  'jwks-uri': { field: 'jwksUri' }, 'auth-signing-alg': { field: 'tokenEndpointAuthSigningAlg' }, 'request-uris': { field: 'requestUris' },
  // RFC 9449 §5.2: every token request of this client must carry a DPoP proof.
  'dpop-bound-access-tokens': { field: 'dpopBoundAccessTokens', flag: true },
  // Issue 21: the client's lifetimes in seconds (the operator acts as an administrator; bounded by the maxima).
  'access-token-lifetime': { field: 'accessTokenLifetime' }, 'refresh-token-lifetime': { field: 'refreshTokenLifetime' },
  'authorization-code-lifetime': { field: 'authorizationCodeLifetime' },
} satisfies Record<string, Option>;
// Every field the form, GraphQL and registration accept has its option: a new field fails to compile until it does.
const EVERY_FIELD: Record<Exclude<keyof RawClientInput, (typeof FIELDS)[keyof typeof FIELDS]['field']>, never> = {};
const OPTION_OF = Object.fromEntries(Object.entries(FIELDS).map(([option, { field }]) => [field, option])) as Record<string, string>;

export const createclient: Command = {
  name: 'createclient',
  summary: 'register a client (an application)',
  usage: `Usage: gatehouse createclient --name N --owner USERNAME [options]
  Validated as the registration form and GraphQL's registerClient validate, with an administrator's privileges.
  Prints client_id, and the client_secret once (confidential clients).
  --type confidential|public                 client type (confidential)
  --application-type ${APPLICATION_TYPES.join('|')}              OpenID Connect Registration §2 (web)
  --grant-types G,...                        ${GRANT_CHOICES} (authorization-code)
  --response-types R,...                     ${RESPONSE_TYPES.join(', ')} (those of the grants)
  --redirect-uris URI,...                    --scopes S,...   --allowed-origins O,...   --skip-authorization
  --auth-method ${CLIENT_AUTH_METHOD_NAMES.join('|')}
  --access-token-format ${ACCESS_TOKEN_FORMATS.join('|')}   --id-token-alg ${SIGNING_ALGS.join('|')}   --userinfo-alg ${SIGNING_ALGS.join('|')}
  --subject-type ${SUBJECT_TYPES.join('|')}   --sector-identifier-uri URL
  --post-logout-redirect-uris URI,...   --backchannel-logout-uri URL [--backchannel-logout-session-required]
  --frontchannel-logout-uri URL [--frontchannel-logout-session-required]
  --jwks-file F | --jwks-uri URL            the client's public keys (RFC 9101 request objects, private_key_jwt)
  --auth-signing-alg ALG                     the algorithm of its RFC 7523 client assertions
  --request-uris URL,...                     request objects it may pass by reference (RFC 9101 §5.2), matched exactly
  --dpop-bound-access-tokens                 every token request must carry a DPoP proof (RFC 9449 §5.2)
  --request-object-alg ${REQUEST_OBJECT_ALGS.join('|')}
  --oauth1 [--rsa-public-key-file F]         also an OAuth 1.0a consumer (HMAC, or RSA-SHA1 with this key)
  --access-token-lifetime S   --refresh-token-lifetime S   --authorization-code-lifetime S
                                             seconds, at most ACCESS_TOKEN_MAX_LIFETIME, REFRESH_TOKEN_MAX_LIFETIME,
                                             AUTHORIZATION_CODE_MAX_LIFETIME (default: the server's TTLs)`,
  async run({ config, fromEnv, args }) {
    void EVERY_FIELD;
    const options = Object.fromEntries(Object.entries(FIELDS as Record<string, Option>).map(([o, f]) => [o, { type: f.flag ? 'boolean' as const : 'string' as const }]));
    const { values } = parseArgs({ args, options: { ...options, owner: { type: 'string' } } }) as { values: Record<string, string | boolean | undefined> };
    if (typeof values.owner !== 'string') return usageError(createclient, '--owner USERNAME is required.');
    const raw: RawClientInput = { grantTypes: 'authorization_code' };
    for (const [option, { field, value = TEXT }] of Object.entries(FIELDS as Record<string, Option>)) {
      const v = values[option];
      if (v === undefined) continue;
      try { raw[field] = typeof v === 'string' ? value(v) : v; } catch (e) { fail(`--${option}: ${(e as Error).message}`); return 2; }
    }
    return withApp(fromEnv, (app) => app.withContext(async () => {
      const owner = await app.stores.users.findByUsername(values.owner as string);
      if (!owner) { fail(`No user "${values.owner}".`); return 1; }
      const v = await validateClientInput(raw, registrationPolicy(config), { actor: OPERATOR });
      if (!v.ok) {
        for (const [field, message] of Object.entries(v.errors)) fail(`--${OPTION_OF[field] ?? field}: ${message}`);
        return 1;
      }
      const { client, clientSecret } = await registerClient(v.value, owner.id, app.clientDeps);
      out(`client_id: ${client.clientId}`);
      if (clientSecret) out(`client_secret: ${clientSecret}\n(the secret is shown only this once)`);
      return 0;
    }));
  },
};
