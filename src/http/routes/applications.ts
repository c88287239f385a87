import type Router from '../router.ts';
import { pageRouter } from '../router.ts';
import type { Context } from 'koa';
import { validateClientInput, type RawClientInput, type RegistrationPolicy } from '../../oauth2/client-registration.ts';
import { deleteClient, registerClient, RegistrationBudgetSpent, rotateClientSecret, SecretRotationRace, updateClient, usesSecret, type ClientDeps } from '../../oauth2/clients.ts';
import { CLIENT_AUTH_METHOD_NAMES } from '../../oauth2/client-auth.ts';
import { REGISTRABLE_GRANT_TYPES } from '../../oauth2/grant-types.ts';
import { RESPONSE_TYPES, isPrivilegedResponseType } from '../../oauth2/response-types.ts';
import { PRIVILEGED_GRANT_TYPES } from '../../oauth2/privileges.ts';
import { isPrivilegedScope } from '../../oauth2/scope.ts';
import { ACCESS_TOKEN_FORMATS, SIGNING_ALGS, SUBJECT_TYPES, type ClientRecord, type GrantType } from '../../oauth2/store.ts';
import { csrfProtection } from '../middleware/csrf.ts';
import { HttpError } from '../middleware/errors.ts';
import { currentUser, requireLogin } from '../middleware/session-user.ts';
import { flash, tr, type Render } from '../render.ts';
import { revealOnce, takeRevealed } from '../reveal-once.ts';

import type { ClientFailure } from '../../storage/event.repository.ts';
import type { RateLimiter } from '../../storage/rate-limit.ts';
import { FORM_ONCE_FIELD, newFormToken, refundFormToken, sentFormToken, spendFormToken } from '../form-once.ts';

export interface ApplicationPageDeps extends ClientDeps {
  /** Spends the registration form's one-time token (form-once.ts): a double submit registers one application. */
  limiter: RateLimiter;
  render: Render;
  policy: RegistrationPolicy;
  scopes: Record<string, string>;
  /** The newest refusals of a client (src/oauth2/failure-reasons.ts), for its owner to debug without server logs. */
  recentFailures(clientId: string): Promise<ClientFailure[]>;
}

/** Form field names (django-oauth-toolkit's, plus the lists Gatehouse adds) to the registration input. */
export function formToInput(body: Record<string, unknown>): RawClientInput {
  return {
    name: body.name,
    clientType: body.client_type,
    grantTypes: body.grant_types ?? body.authorization_grant_type,
    redirectUris: body.redirect_uris,
    allowedScopes: body.allowed_scopes,
    skipAuthorization: body.skip_authorization,
    allowedOrigins: body.allowed_origins,
    tokenEndpointAuthMethod: body.token_endpoint_auth_method,
    oauth1Enabled: body.oauth1_enabled,
    rsaPublicKey: body.rsa_public_key,
    postLogoutRedirectUris: body.post_logout_redirect_uris,
    backchannelLogoutUri: body.backchannel_logout_uri,
    backchannelLogoutSessionRequired: body.backchannel_logout_session_required,
    frontchannelLogoutUri: body.frontchannel_logout_uri,
    frontchannelLogoutSessionRequired: body.frontchannel_logout_session_required,
    accessTokenFormat: body.access_token_format,
    idTokenSignedResponseAlg: body.id_token_signed_response_alg,
    responseTypes: body.response_types,
    userinfoSignedResponseAlg: body.userinfo_signed_response_alg,
    subjectType: body.subject_type,
    sectorIdentifierUri: body.sector_identifier_uri,
    jwks: body.jwks,
    jwksUri: body.jwks_uri,
    requestUris: body.request_uris,
    // A checkbox: unticked sends nothing, which here means false (the form always shows it).
    dpopBoundAccessTokens: body.dpop_bound_access_tokens ?? false,
  };
}

/**
 * What a refused form shows back: strings and lists of strings only. A body may hold anything (nested
 * form keys, JSON numbers, nulls, objects) and the template reads every field as text (issue 21 #2).
 */
export function echoedValues(body: Record<string, unknown>): Record<string, string | string[]> {
  const values: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(body)) {
    if (typeof v === 'string') values[k] = v;
    // A JSON checkbox: as the form posts it.
    else if (v === true) values[k] = 'on';
    else if (Array.isArray(v)) values[k] = v.filter((x): x is string => typeof x === 'string');
  }
  return values;
}

function formValues(c: ClientRecord) {
  return {
    name: c.name, client_type: c.clientType, grant_types: c.grantTypes, redirect_uris: c.redirectUris.join('\n'),
    allowed_scopes: c.allowedScopes, skip_authorization: c.skipAuthorization, allowed_origins: c.allowedOrigins.join('\n'),
    token_endpoint_auth_method: c.tokenEndpointAuthMethod, oauth1_enabled: c.oauth1Enabled, rsa_public_key: c.rsaPublicKey ?? '',
    post_logout_redirect_uris: c.postLogoutRedirectUris.join('\n'), backchannel_logout_uri: c.backchannelLogoutUri ?? '',
    backchannel_logout_session_required: c.backchannelLogoutSessionRequired,
    frontchannel_logout_uri: c.frontchannelLogoutUri ?? '', frontchannel_logout_session_required: c.frontchannelLogoutSessionRequired,
    access_token_format: c.accessTokenFormat, id_token_signed_response_alg: c.idTokenSignedResponseAlg,
    jwks: c.jwks ?? '', jwks_uri: c.jwksUri ?? '', request_uris: c.requestUris.join('\n'),
    response_types: c.responseTypes,
    userinfo_signed_response_alg: c.userinfoSignedResponseAlg ?? '', subject_type: c.subjectType, sector_identifier_uri: c.sectorIdentifierUri ?? '',
    dpop_bound_access_tokens: c.dpopBoundAccessTokens,
  };
}

export function applicationRoutes(deps: ApplicationPageDeps): Router {
  const router = pageRouter({ prefix: '/o/applications' });
  router.use(requireLogin(), csrfProtection());
  const actor = (ctx: Context) => ({ userId: currentUser(ctx).id, ip: ctx.ip, requestId: ctx.state.requestId as string });
  // A user sees the privileged choices only where an administrator already made them (to keep or drop them).
  const formLocals = (ctx: Context) => ({
    grantTypeChoices: REGISTRABLE_GRANT_TYPES, authMethodChoices: CLIENT_AUTH_METHOD_NAMES, accessTokenFormatChoices: ACCESS_TOKEN_FORMATS, signingAlgChoices: SIGNING_ALGS, subjectTypeChoices: SUBJECT_TYPES, scopeChoices: deps.scopes, mayGrantPrivileges: currentUser(ctx).isAdmin,
    isPrivilegedScope, isPrivilegedGrantType: (g: GrantType) => PRIVILEGED_GRANT_TYPES.has(g),
    responseTypeChoices: RESPONSE_TYPES, isPrivilegedResponseType,
  });

  /** Another user's application does not exist as far as this user can tell: 404, not 403. */
  async function load(ctx: Context): Promise<ClientRecord> {
    const id = /^\d{1,9}$/.test(ctx.params.id) ? Number(ctx.params.id) : NaN;
    const client = Number.isNaN(id) ? null : await deps.clients.findById(id);
    const user = currentUser(ctx);
    if (!client || (client.ownerId !== user.id && !user.isAdmin)) throw new HttpError(404, 'not_found', 'There is no such application.');
    return client;
  }

  router.get('/', async (ctx) => {
    const user = currentUser(ctx);
    const applications = await deps.clients.list(user.isAdmin ? undefined : user.id);
    deps.render(ctx, 'applications/list', { applications });
  });

  router.get(['/register', '/register/'], (ctx) => {
    deps.render(ctx, 'applications/form', { ...formLocals(ctx), mode: 'register', formOnce: newFormToken(), values: { client_type: 'confidential', grant_types: ['authorization_code'], allowed_scopes: ['read', 'write'] } });
  });

  router.post(['/register', '/register/'], async (ctx) => {
    const body = ctx.request.body as Record<string, unknown>;
    const result = await validateClientInput(formToInput(body), deps.policy, { actor: currentUser(ctx) });
    // The same token comes back with the corrected form: it is spent only by a submission that registers.
    const once = sentFormToken(body);
    if (!result.ok) {
      ctx.status = 400;
      return deps.render(ctx, 'applications/form', { ...formLocals(ctx), mode: 'register', formOnce: once ?? newFormToken(), values: echoedValues(body), errors: result.errors });
    }
    // The page's form always carries a token; a POST without one is refused like a damaged one (form-once.ts).
    const user = currentUser(ctx);
    const spend = await spendFormToken(deps.limiter, 'register', user.id, body[FORM_ONCE_FIELD]);
    if (spend === 'malformed') throw new HttpError(400, 'invalid_request', 'The form is damaged: open the registration page again.');
    if (spend === 'spent') {
      ctx.status = 409;
      return deps.render(ctx, 'applications/submitted', {});
    }
    let registered: Awaited<ReturnType<typeof registerClient>>;
    try {
      registered = await registerClient(result.value, user.id, deps, { ...actor(ctx), isAdmin: user.isAdmin });
    } catch (e) {
      await refundFormToken(deps.limiter, 'register', user.id, once!);
      if (e instanceof RegistrationBudgetSpent) throw new HttpError(429, 'temporarily_unavailable', e.message, { 'Retry-After': String(e.retryAfter) });
      throw e;
    }
    const { client, clientSecret } = registered;
    if (clientSecret) revealOnce(ctx, client.id, clientSecret);
    flash(ctx, tr(ctx)('apps.registered', { name: client.name }));
    ctx.redirect(`/o/applications/${client.id}/`);
  });

  router.get(['/:id', '/:id/'], async (ctx) => {
    const client = await load(ctx);
    // The secret is shown exactly once (see reveal-once.ts).
    const clientSecret = takeRevealed(ctx, client.id);
    ctx.set('Cache-Control', 'no-store');
    const failures = await deps.recentFailures(client.clientId);
    deps.render(ctx, 'applications/detail', { application: client, clientSecret, scopeChoices: deps.scopes, failures, hasSecret: usesSecret(client) });
  });

  router.get(['/:id/update', '/:id/update/'], async (ctx) => {
    const client = await load(ctx);
    deps.render(ctx, 'applications/form', { ...formLocals(ctx), mode: 'update', application: client, values: formValues(client) });
  });

  router.post(['/:id/update', '/:id/update/'], async (ctx) => {
    const client = await load(ctx);
    const body = ctx.request.body as Record<string, unknown>;
    const result = await validateClientInput(formToInput(body), deps.policy, { actor: currentUser(ctx), current: client });
    if (!result.ok) {
      ctx.status = 400;
      return deps.render(ctx, 'applications/form', { ...formLocals(ctx), mode: 'update', application: client, values: echoedValues(body), errors: result.errors });
    }
    const { clientSecret } = await updateClient(client, result.value, deps, actor(ctx));
    if (clientSecret) revealOnce(ctx, client.id, clientSecret);
    flash(ctx, tr(ctx)('apps.updated'));
    ctx.redirect(`/o/applications/${client.id}/`);
  });

  router.post(['/:id/rotate-secret', '/:id/rotate-secret/'], async (ctx) => {
    const client = await load(ctx);
    if (!usesSecret(client)) throw new HttpError(400, 'invalid_request', 'This application has no secret: it is public or authenticates with private_key_jwt.');
    let secret: string;
    try {
      secret = await rotateClientSecret(client, deps, actor(ctx));
    } catch (e) {
      if (e instanceof SecretRotationRace) throw new HttpError(409, 'conflict', e.message);
      throw e;
    }
    revealOnce(ctx, client.id, secret);
    flash(ctx, tr(ctx)('apps.rotated'));
    ctx.redirect(`/o/applications/${client.id}/`);
  });

  router.get(['/:id/delete', '/:id/delete/'], async (ctx) => {
    deps.render(ctx, 'applications/confirm-delete', { application: await load(ctx) });
  });

  router.post(['/:id/delete', '/:id/delete/'], async (ctx) => {
    const client = await load(ctx);
    await deleteClient(client, deps, actor(ctx));
    flash(ctx, tr(ctx)('apps.deleted', { name: client.name }));
    ctx.redirect('/o/applications/');
  });

  return router;
}
