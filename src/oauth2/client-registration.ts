// Client registration's one validation, split by metadata group under client-registration/ (validate.ts assembles
// them). This module only re-exports, so every import of oauth2/client-registration.ts stays as it was.
export type { FieldErrors, LifetimeMaxima, RawClientInput, RegistrationContext, RegistrationPolicy, ValidationResult } from './client-registration/types.ts';
export { validateClientInput } from './client-registration/validate.ts';
export { LIFETIME_FIELDS } from './client-registration/tokens.ts';
export { publicJwkSet, REQUEST_OBJECT_ALGS } from './client-registration/auth-and-keys.ts';
export { redirectHosts, SECTOR_DOCUMENT_MAX_BYTES } from './client-registration/oidc.ts';
export { MAX_REDIRECT_URIS, MAX_URI_LIST_CHARS } from './client-registration/redirect-uris.ts';
export { MAX_REQUEST_URIS } from './client-registration/auth-and-keys.ts';
export { MAX_ALLOWED_ORIGINS } from './client-registration/names-scopes-origins.ts';
