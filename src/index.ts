// The package entry: what a test suite or an embedding application imports.
export { createApp, type Gatehouse, type GatehouseDeps } from './app.ts';
export { loadConfig, resolveConfig, defaults, ConfigError, type GatehouseConfig, type ConfigOverrides } from './config.ts';
export { encodeBasicAuthorization } from './oauth2/client-auth.ts';
