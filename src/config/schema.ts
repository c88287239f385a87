// The configuration loader: walks the declaration table of src/config/settings.ts, reads each setting from
// createApp's overrides, else the environment, else its default, checks it with its kind, then runs the rules
// across settings, and throws one ConfigError listing every problem at once.
//
// Why neither zod nor envalid. Both were weighed against this ~150-line table plus loader:
// - Values come two ways: environment text (to coerce) and typed createApp overrides (to check, not coerce). zod
//   validates objects well but coerces env text badly (`z.coerce.boolean()` reads "false" as true), so each field
//   would need a preprocess step, i.e. the kind parsers below, written anyway. envalid reads only the
//   environment: the nested in-process overrides would need a second validator.
// - The README table wants name, kind, default and description per setting, and some defaults must be shown as
//   words ("http://localhost:$PORT", "dev key, refused in production") and secrets never printed. Neither
//   library's metadata carries that, so the table would be this declaration table again.
// - Either would become a runtime dependency of the published package (zod 3 is ~5 MB unpacked) for what is a
//   dozen small parsers here, and DESIGN.md asks for a dependency only when it does the job better.
// So: a small typed declaration table (settings.ts), its kinds (kinds.ts) and this loader.
import { Invalid, type Kind } from './kinds.ts';

export interface Setting<T> {
  /** The environment variable; absent for settings only createApp's overrides can give. */
  readonly env?: string;
  readonly kind: Kind<T>;
  /** The value when nothing sets it. Absent only when `optional` or `required`. */
  readonly default?: NoInfer<T>;
  /** How the README shows the default, when the value alone would mislead (derived, or a dev-only secret). */
  readonly defaultText?: string;
  /** Unset is a valid state (no default). */
  readonly optional?: boolean;
  /** Must be given: no default. */
  readonly required?: boolean;
  /** Never printed: not in errors, logs or the README (a secret kind is so already; this marks e.g. URLs with passwords). */
  readonly secret?: boolean;
  /** One line for the README. */
  readonly doc: string;
}

/** Declares a setting (the helper only infers T from the kind). */
export const setting = <T>(s: Setting<T> & { default: NoInfer<T> }): Setting<T> & { default: T } => s;
/** Declares a setting that may stay unset: its value is T | undefined. */
export const optional = <T>(s: Omit<Setting<T>, 'default' | 'optional'>): Setting<T> & { optional: true } => ({ ...s, optional: true });

export interface SettingTree { readonly [key: string]: Setting<unknown> | SettingTree }

/** The configuration a tree of settings describes. */
export type ConfigOf<S> = { -readonly [K in keyof S]: S[K] extends Setting<infer T> ? (S[K] extends { optional: true } ? T | undefined : T) : ConfigOf<S[K]> };
/** What createApp accepts: any setting, groups partly. */
export type OverridesOf<S> = { -readonly [K in keyof S]?: S[K] extends Setting<infer T> ? T | undefined : OverridesOf<S[K]> };

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid Gatehouse configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

const isSetting = (x: Setting<unknown> | SettingTree): x is Setting<unknown> => typeof (x as Setting<unknown>).doc === 'string' && 'kind' in x;

/** Every setting with its key path ('database.url'), in declaration order. */
export function* walk(tree: SettingTree, prefix: string[] = []): Generator<{ path: string[]; setting: Setting<unknown> }> {
  for (const [key, node] of Object.entries(tree)) {
    if (isSetting(node)) yield { path: [...prefix, key], setting: node };
    else yield* walk(node, [...prefix, key]);
  }
}

type Env = Readonly<Record<string, string | undefined>>;
type Plain = Record<string, unknown>;
const at = (o: unknown, path: string[]): unknown => path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Plain)[k] : undefined), o);
function put(o: Plain, path: string[], value: unknown): void {
  let node = o;
  for (const k of path.slice(0, -1)) node = (node[k] ??= {}) as Plain;
  node[path.at(-1)!] = value;
}

export const isSecret = (s: Setting<unknown>): boolean => Boolean(s.secret || s.kind.secret);

/** "<name> must …[, got …]", the value left out for secrets. */
function problem(name: string, s: Setting<unknown>, e: unknown): string {
  if (!(e instanceof Invalid)) throw e;
  const got = e.got === undefined || isSecret(s) ? '' : typeof e.got === 'string' ? `, got "${e.got}"` : `, got ${JSON.stringify(e.got)}`;
  return `${name} ${e.message}${got}`;
}

export interface Rules<C> {
  /** Defaults computed from other settings, used when the setting is not given (top-level keys). */
  derived: { [K in keyof C]?: (c: C) => C[K] };
  /** Checks across settings, run once every setting has its value; each returns a problem or nothing. */
  checks: ((c: C) => string | string[] | undefined)[];
}

/**
 * The values `overrides` (createApp's, typed) or else `env` (text) set, each checked by its kind; a refused value is
 * left out and its problem collected, named as the caller wrote it (PORT, or port (PORT) for an override).
 */
export function given<S extends SettingTree>(tree: S, overrides: object, env: Env, problems: string[]): OverridesOf<S> {
  const out: Plain = {};
  for (const { path, setting: s } of walk(tree)) {
    const override = at(overrides, path);
    const raw = s.env === undefined ? undefined : env[s.env];
    try {
      const value = override !== undefined ? override : raw !== undefined ? s.kind.parse(raw) : undefined;
      if (value !== undefined) put(out, path, s.kind.check(value));
    } catch (e) {
      const key = path.join('.');
      problems.push(problem(override === undefined ? s.env! : s.env ? `${key} (${s.env})` : key, s, e));
    }
  }
  return out as OverridesOf<S>;
}

/**
 * Builds the configuration from what `overrides` and `env` set (see given), then defaults, then defaults derived
 * from other settings, and runs the rules across settings; throws ConfigError listing every problem at once (a
 * refused value is replaced by its default meanwhile, so the rules still run).
 */
export function resolve<S extends SettingTree, C = ConfigOf<S>>(tree: S, rules: Rules<C>, overrides: object = {}, env: Env = {}): C {
  const { config, problems } = resolveWithProblems<S, C>(tree, rules, overrides, env);
  if (problems.length) throw new ConfigError(problems);
  return config;
}

/** As resolve, but returns the problems beside the configuration (a refused value replaced by its default). */
export function resolveWithProblems<S extends SettingTree, C = ConfigOf<S>>(tree: S, rules: Rules<C>, overrides: object = {}, env: Env = {}): { config: C; problems: string[] } {
  const problems: string[] = [];
  const set = given(tree, overrides, env, problems);
  const config: Plain = {};
  const unset = new Set<string>();
  for (const { path, setting: s } of walk(tree)) {
    let value = at(set, path);
    if (value === undefined) {
      if (s.required) problems.push(`${s.env ?? path.join('.')} is required: ${s.doc}`);
      if (path.length === 1 && path[0] in rules.derived) unset.add(path[0]);
      value = structuredClone(s.default);
    }
    put(config, path, value);
  }
  for (const k of unset) {
    const s = tree[k] as Setting<unknown>;
    try { config[k] = s.kind.check(rules.derived[k as keyof C]!(config as C)); } catch (e) { problems.push(problem(s.env ?? k, s, e)); }
  }
  for (const check of rules.checks) problems.push(...[check(config as C) ?? []].flat());
  return { config: config as C, problems };
}
