// The configuration's entry: every setting is declared once in config/settings.ts (kinds in config/kinds.ts, the
// loader in config/schema.ts). A bad deployment fails loudly at start, every problem listed at once.
import { given, resolve, resolveWithProblems, ConfigError } from './config/schema.ts';
import { deployCheckedRules, rules, settings, type ConfigOverrides, type GatehouseConfig } from './config/settings.ts';

export { ConfigError, type GatehouseConfig, type ConfigOverrides };

/** Builds and validates the configuration from createApp's overrides and the defaults; throws ConfigError. */
export function resolveConfig(overrides: ConfigOverrides = {}): GatehouseConfig {
  return resolve(settings, rules, overrides);
}

/** The server's configuration from the environment (NODE_ENV, PORT, DATABASE_URL, …); `extra` wins over it. */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env, extra: ConfigOverrides = {}): GatehouseConfig {
  return resolve(settings, rules, extra, env);
}

/**
 * The configuration `check --deploy` judges: the environment's, with the problems that would stop the start,
 * except those its own rules name (ISSUER, METRICS_TOKEN, the development secrets), which it reports by id.
 */
export function loadConfigForDeployCheck(env: Readonly<Record<string, string | undefined>> = process.env): { config: GatehouseConfig; problems: string[] } {
  return resolveWithProblems(settings, { ...rules, checks: rules.checks.filter((c) => !deployCheckedRules.includes(c)) }, {}, env);
}

/**
 * Only what the environment sets, checked (ConfigError otherwise): for createApp to resolve the rest itself, as
 * the CLI does so that an unset ISSUER follows the port actually bound.
 */
export function environmentOverrides(env: Readonly<Record<string, string | undefined>> = process.env): ConfigOverrides {
  const problems: string[] = [];
  const overrides = given(settings, {}, env, problems);
  if (problems.length) throw new ConfigError(problems);
  return overrides;
}

/** Every setting's default (the issuer follows PORT's). */
export const defaults: GatehouseConfig = resolveConfig();
