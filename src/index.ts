// The package entry: what a test suite or an embedding application imports.
export { createApp, type Gatehouse, type GatehouseDeps } from './app.ts';
export { loadConfig, resolveConfig, defaults, ConfigError, type GatehouseConfig, type ConfigOverrides } from './config.ts';
export { encodeBasicAuthorization } from './oauth2/client-auth.ts';
export type { RequireTokenOptions } from './http/protect.ts';
// RFC 9728: a resource server's metadata document, for a Koa app protected with requireToken({ resource }).
export { protectedResourceMetadata } from './http/resource-metadata.ts';
export { protectedResourceMetadataUrl, type ProtectedResourceMetadataInput } from './oauth2/resource-metadata.ts';
