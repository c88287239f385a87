// The other yardstick: node-oidc-provider (a Koa application) with its in-memory adapter, configured like the bench's
// Gatehouse client: one confidential client (client_secret_basic) with the bench fixture's credentials, PKCE, RS256
// ID Tokens, a refresh token with every code exchange (Gatehouse issues one too), client_credentials for `read`, and
// its routes at Gatehouse's paths, so the bench sends both servers the same requests. Consent is pre-granted through
// `loadExistingGrant`; the one login is an interaction answered without a page (GET /interaction/:uid signs in the
// account `admin`). Started by bench/server.ts like the other servers; prints "serving on" when ready.
// RFC 9068 JWT access tokens: a second client (the fixture's JWT client, client_credentials only) gets its tokens
// for a resource server whose accessTokenFormat is jwt, signed ES256 as Gatehouse's are; oidc-provider decides the
// format per resource (resource indicators), so that client's default resource is that server. The first client
// asks for no resource and keeps opaque tokens.
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';
import { exportJWK, generateKeyPair } from 'jose';
import { randomBytes } from 'node:crypto';

const clientId = process.env.BENCH_CLIENT_ID;
const clientSecret = process.env.BENCH_CLIENT_SECRET;
const jwtClientId = process.env.BENCH_JWT_CLIENT_ID;
const jwtClientSecret = process.env.BENCH_JWT_CLIENT_SECRET;
const deviceCode = process.env.BENCH_DEVICE_CODE;
if (!clientId || !clientSecret || !jwtClientId || !jwtClientSecret) throw new Error('BENCH_CLIENT_ID, BENCH_CLIENT_SECRET, BENCH_JWT_CLIENT_ID and BENCH_JWT_CLIENT_SECRET are required');

const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const { privateKey: ecKey } = await generateKeyPair('ES256', { extractable: true });
const ISSUER = process.env.ISSUER ?? 'https://bench.local';
const SCOPES = 'openid read write admin';

const provider = new Provider(ISSUER, {
  clients: [{
    client_id: clientId, client_secret: clientSecret, token_endpoint_auth_method: 'client_secret_basic',
    redirect_uris: ['https://bench.local/cb'], response_types: ['code'], scope: SCOPES,
    grant_types: ['authorization_code', 'refresh_token', 'client_credentials', 'urn:ietf:params:oauth:grant-type:device_code'],
  }, {
    client_id: jwtClientId, client_secret: jwtClientSecret, token_endpoint_auth_method: 'client_secret_basic',
    redirect_uris: [], response_types: [], grant_types: ['client_credentials'], scope: 'read',
  }],
  scopes: SCOPES.split(' '),
  jwks: { keys: [{ ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'bench' }, { ...(await exportJWK(ecKey)), alg: 'ES256', use: 'sig', kid: 'bench-es256' }] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  features: {
    clientCredentials: { enabled: true }, devInteractions: { enabled: false }, deviceFlow: { enabled: true },
    // RFC 9449 (client_credentials_dpop): proofs checked, no server nonces, as Gatehouse's default.
    dPoP: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: (_ctx, client) => (client.clientId === jwtClientId ? ISSUER : undefined),
      getResourceServerInfo: () => ({ scope: 'read', audience: ISSUER, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } }),
    },
  },
  pkce: { required: () => true },
  // Gatehouse issues a refresh token with every code exchange (django-oauth-toolkit's behaviour): the same work here.
  issueRefreshToken: () => true,
  findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
  // Consent pre-granted: the session's grant when there is one, else a new grant of every scope the client may ask.
  loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
    const id = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session!.grantIdFor(ctx.oidc.client!.clientId);
    if (id) return ctx.oidc.provider.Grant.find(id);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId });
    grant.addOIDCScope(SCOPES);
    await grant.save();
    return grant;
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  routes: { authorization: '/o/authorize/', token: '/o/token/', jwks: '/o/.well-known/jwks.json', userinfo: '/o/userinfo/', introspection: '/o/introspect/', revocation: '/o/revoke_token/' },
});

// The login: any interaction signs in `admin` (the bench's user), no page.
provider.use(async (ctx, next) => {
  if (!ctx.path.startsWith('/interaction/')) return next();
  ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, { login: { accountId: 'admin' } }, { mergeWithLastSubmission: false }));
});

// The device-flow scenario's code, pending (no accountId), stored in the in-memory adapter under the value the load
// generator sends, as the device_authorization endpoint would store it. Its device_code grant answers
// authorization_pending on every poll; 9.13 keeps no poll time and never answers slow_down.
if (deviceCode) {
  const client = (await provider.Client.find(clientId))!;
  // The model's constructor takes jti (BaseModel keeps it as the opaque value); its typings leave it out, and the grant id too (none: not approved).
  const payload = { jti: deviceCode, client, clientId, scope: 'read', userCode: 'BENCHXYZ', params: { client_id: clientId, scope: 'read' }, deviceInfo: { ip: '127.0.0.1' } };
  await new provider.DeviceCode(payload as unknown as ConstructorParameters<typeof provider.DeviceCode>[0]).save();
}

const server = provider.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`oidc-provider serving on http://127.0.0.1:${(server.address() as { port: number }).port}\n`);
});
process.on('SIGTERM', () => { server.close(() => process.exit(0)); server.closeAllConnections(); });
