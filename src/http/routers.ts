import type { Context } from 'koa';
import { resourceRequestKey } from './dpop.ts';
import { sourceOf } from '../accounts/source.ts';
import { requestBudget } from './request-budget.ts';
import type { Services } from '../services.ts';
import { authorizationServerMetadata } from '../oauth2/metadata.ts';
import { isPrivilegedScope } from '../oauth2/scope.ts';
import type Router from './router.ts';
import { lazy } from './lazy.ts';
import { homeRoutes } from './routes/home.ts';
import { loginRoutes } from './routes/login.ts';
import { applicationRoutes } from './routes/applications.ts';
import { authorizeRoutes } from './routes/authorize.ts';
import { verifyIdTokenHint } from '../oidc/id-token-hint.ts';
import { authorizedRoutes } from './routes/authorized.ts';
import { profileRoutes } from './routes/profile.ts';
import { playgroundRoutes } from './routes/playground.ts';
import { oauth1Routes } from './routes/oauth1.ts';
import { healthRoutes } from './routes/health.ts';
import { tokenRoutes } from './routes/token.ts';
import { revokeRoutes } from './routes/revoke.ts';
import { introspectRoutes } from './routes/introspect.ts';
import { metadataRoutes } from './routes/metadata.ts';
import { resourceExampleRoutes } from './routes/resource-examples.ts';
import { graphqlRoutes } from './routes/graphql.ts';
import { graphiqlAssetRoutes, graphiqlPage } from './routes/graphiql.ts';
import { oidcDiscoveryRoutes } from './routes/oidc-discovery.ts';
import { oidcUserinfoRoutes } from './routes/oidc-userinfo.ts';
import { oidcLogoutRoutes } from './routes/oidc-logout.ts';
import { openidConfiguration } from '../oidc/discovery.ts';
import { LANGUAGES } from './i18n/index.ts';
import { registrationRoutes } from './routes/registration.ts';
import { withMetadataClients } from '../oauth2/metadata-client-resolver.ts';
import { parRoutes } from './routes/par.ts';
import { InvalidClientId } from '../oauth2/errors.ts';
import { deviceRoutes } from './routes/device.ts';
import { deviceAuthorizationLimits, userCodeGuard } from './device-throttle.ts';
import { adminRoutes } from './routes/admin.ts';
import { RECENT_FAILURES } from '../oauth2/failure-reasons.ts';
import { pushedRequired, unpushedRule } from '../oauth2/security-profile/index.ts';

/** Every router of the app, each built in its lane (src/http/router.ts); mountByLane() puts each in its chain. */
export function createRouters(s: Services): Router[] {
  const { config, stores, render, clientDeps, clientAuth } = s;
  const ttl = config.tokens;
  const policy = s.registrationPolicy;
  const audit = (ctx: Context) => ({ ip: ctx.ip as string | null, requestId: ctx.state.requestId as string | null });
  const issuer = () => config.issuer;
  // Gatehouse's own APIs are one resource, the issuer (RFC 8707): tokens for other resources are refused there, and
  // their 401s point at its RFC 9728 metadata.
  const ownToken: typeof s.requireToken = (o = {}) => s.requireToken({ resource: issuer, ...o });
  const metadataSettings = () => ({ issuer: config.issuer, scopes: Object.keys(config.scopes), allowPlainPkce: config.pkce.allowPlain, registration: config.registration !== 'off', clientIdMetadataDocuments: config.clientIdMetadata.mode === 'on', requirePushedAuthorizationRequests: pushedRequired(config.securityProfile, config.requirePushedAuthorizationRequests), securityProfile: config.securityProfile });
  const authorizeSettings = { clients: withMetadataClients(stores.clients, s.metadataClients, (d) => new InvalidClientId(d)), allowPlainPkce: config.pkce.allowPlain, defaultScopes: config.defaultScopes, verifyIdTokenHint: (token: string) => verifyIdTokenHint(token, s.signingKeys, config.issuer), resources: s.resourceCatalog, securityProfile: config.securityProfile };
  const oauth1 = oauth1Routes({
    store: stores.oauth1, users: stores.users, grants: stores.grants, events: stores.events, render, allowPlaintext: s.allowPlaintext, throttle: s.clientThrottle, realm: 'gatehouse',
    temporaryTtl: ttl.oauth1TemporaryTtl, securityProfile: config.securityProfile, clientName: async (id) => (await stores.clients.findById(id))?.name ?? 'An application',
    // Each initiate stores temporary credentials and a nonce, and any account may make a consumer (attacker read 21, F7).
    initiateBudget: requestBudget(s.limiter, { key: (ctx) => `oauth1-initiate:source:${sourceOf(ctx.ip)}`, perMinute: config.rateLimit.oauth1InitiatesPerSource, what: 'temporary credential requests from this source' }),
  });
  const graphql = lazy(async () => (await import('../graphql/server.ts')).createGraphQL({
    stores, config, clientDeps, registrationPolicy: policy, signingKeys: s.signingKeys, sessions: s.sessionStore, loginSessions: s.loginSessions, streamSlots: s.streamSlots, dpopKey: (ctx, token) => resourceRequestKey(ctx, s.dpop, token), dpopAlgs: s.dpop.settings.algs, logError: (e) => s.logger.error('graphql error', { error: (e as Error)?.stack ?? String(e) }),
  }));
  // GraphiQL outside production, as graphql-yoga offered it, but served from our origin (routes/graphiql.ts).
  const graphiql = config.env !== 'production';
  return [
    homeRoutes({ render }),
    loginRoutes({ users: stores.users, events: stores.events, passwords: s.passwordThrottle, render, backchannel: s.backchannel, tokens: stores.tokens, loginSessions: s.loginSessions }),
    applicationRoutes({ ...clientDeps, limiter: s.limiter, render, policy, scopes: config.scopes, recentFailures: (id) => stores.events.recentFailures(id, RECENT_FAILURES) }),
    authorizeRoutes({
      settings: authorizeSettings, pushedRequests: stores.pushedRequests, requirePushed: pushedRequired(config.securityProfile, config.requirePushedAuthorizationRequests), unpushedRule: unpushedRule(config.securityProfile),
      consentForms: s.consentForms, requestObjectReplay: stores.assertionJtis, detourAllowed: (ip: string) => s.limiter.consume(`login-detour:source:${sourceOf(ip)}`, config.rateLimit.loginDetoursPerSource, 60),
      fetchRequestUri: s.fetchRequestUri, allowInsecureTransport: config.allowInsecureTransport,
      approvalPrompt: config.approvalPrompt, scopes: config.scopes, grants: stores.grants, users: stores.users, render, issuer, loginSessions: s.loginSessions, subjects: s.subjects,
      approveDeps: (ctx) => ({ tokens: stores.tokens, grants: stores.grants, events: stores.events, settings: { issuer: config.issuer, ...ttl }, accessTokens: s.accessTokens, idTokens: s.idTokens, now: Date.now(), audit: audit(ctx) }),
    }),
    authorizedRoutes({ grants: stores.grants, tokens: stores.tokens, events: stores.events, render, scopes: config.scopes }),
    profileRoutes({ users: stores.users, events: stores.events, render }),
    adminRoutes({ render, scopes: config.scopes, lifetimeMaxima: policy.lifetimeMaxima }),
    ...(config.playground ? [playgroundRoutes({ clients: stores.clients, clientDeps, policy, render, issuer })] : []),
    ...oauth1,
    graphqlRoutes({ serve: graphql, graphiql: graphiql ? graphiqlPage({ render }) : undefined }),
    ...(graphiql ? [graphiqlAssetRoutes()] : []),
    healthRoutes({ ping: async () => { await Promise.all([stores.sql.get('select 1 as ok'), s.redis?.ping()]); } }),
    tokenRoutes({
      ...clientAuth, dpop: s.dpop, securityProfile: config.securityProfile,
      grantContext: (ctx) => ({
        tokens: stores.tokens, grants: stores.grants, users: stores.users, events: stores.events, now: Date.now(), audit: audit(ctx), passwordThrottle: s.passwordThrottle, idTokens: s.idTokens, accessTokens: s.accessTokens, resources: s.resourceCatalog, devices: stores.devices,
        verifyIdToken: (token: string) => verifyIdTokenHint(token, s.signingKeys, config.issuer),
        settings: { accessTokenTtl: ttl.accessTokenTtl, refreshTokenTtl: ttl.refreshTokenTtl, accessTokenMaxLifetime: ttl.accessTokenMaxLifetime, refreshTokenMaxLifetime: ttl.refreshTokenMaxLifetime, defaultScopes: config.defaultScopes, allowPlainPkce: config.pkce.allowPlain },
      }),
    }),
    // RFC 8628: the device authorization endpoint and the verification page /o/device/.
    ...deviceRoutes({
      ...clientAuth, devices: stores.devices, clientsById: stores.clients, events: stores.events, issuer, defaultScopes: config.defaultScopes, scopes: config.scopes, render, resources: s.resourceCatalog, securityProfile: config.securityProfile,
      guard: userCodeGuard(s.limiter, config.rateLimit.windowSeconds), users: stores.users,
      limits: deviceAuthorizationLimits(s.limiter, { perSource: config.rateLimit.deviceAuthorizationPerSource, perClient: config.rateLimit.deviceAuthorizationPerClient }),
    }),
    parRoutes({
      ...clientAuth, settings: authorizeSettings, pushedRequests: stores.pushedRequests, requestObjectReplay: stores.assertionJtis, issuer, dpop: s.dpop,
      // Anyone may push: as a public client, or as a confidential client of their own registration (attacker reads 16, F8
      // and 19, F2). Before client authentication, so pushes that fail it count too.
      pushBudget: requestBudget(s.limiter, { key: (ctx) => `par:source:${sourceOf(ctx.ip)}`, perMinute: config.rateLimit.pushedRequestsPerSource, what: 'pushed authorization requests from this source' }),
    }),
    revokeRoutes({ ...clientAuth, tokens: stores.tokens }),
    introspectRoutes({ ...clientAuth, tokens: stores.tokens, issuer, subjects: s.subjects }),
    metadataRoutes({
      metadata: () => authorizationServerMetadata(metadataSettings()),
      // RFC 9728 §2: bearer tokens in the header or a form body (requireToken; never the query by default). Only
      // the scopes a client may be allowed without an administrator: an MCP client asks for these by default.
      ownResource: () => ({ resource: config.issuer, authorizationServers: [config.issuer], scopesSupported: Object.keys(config.scopes).filter((x) => !isPrivilegedScope(x)), bearerMethodsSupported: ['header', 'body'], resourceName: 'Gatehouse', resourceDocumentation: `${config.issuer}/`, dpopSigningAlgValues: s.dpop.settings.algs }),
    }),
    oidcDiscoveryRoutes({ configuration: () => openidConfiguration(metadataSettings(), { uiLocales: LANGUAGES }), jwks: () => s.signingKeys.jwks() }),
    oidcUserinfoRoutes({ requireToken: ownToken, users: stores.users, grants: stores.grants, clients: stores.clients, subjects: s.subjects, keys: s.signingKeys, issuer }),
    oidcLogoutRoutes({ keys: s.signingKeys, issuer, clients: stores.clients, events: stores.events, backchannel: s.backchannel, loginSessions: s.loginSessions, subjects: s.subjects, render, tokens: stores.tokens }),
    ...(config.registration === 'off' ? [] : [registrationRoutes({
      mode: config.registration, clientDeps, registrations: stores.clients, policy, issuer,
      limiter: s.limiter, perSource: config.rateLimit.registrationsPerSource, windowSeconds: config.rateLimit.windowSeconds,
    })]),
    resourceExampleRoutes({ requireToken: ownToken, requireOAuth1: s.requireOAuth1, clients: stores.clients }),
  ];
}
