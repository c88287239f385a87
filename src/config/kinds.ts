// The kinds of value a setting holds. A kind reads the environment's text and checks a value given in-process
// (createApp's overrides arrive typed but unchecked), so both paths refuse the same values with the same words.

/** A refused value: the message completes "<NAME> …"; `got` is what was given (left out when the setting is secret). */
export class Invalid extends Error {
  readonly got: unknown;
  constructor(problem: string, got?: unknown) {
    super(problem);
    this.got = got;
  }
}

export interface Kind<T> {
  /** What the README's Kind column says. */
  readonly label: string;
  /** The environment's text to a value; undefined when the text means "unset" (empty). Throws Invalid. */
  parse(raw: string): T | undefined;
  /** Checks, and normalises, a value from either path. Throws Invalid. */
  check(value: unknown): T;
  /** A value as the README shows it. */
  show(value: T): string;
  /** Values of this kind are never printed: not in errors, logs or the README. */
  readonly secret?: boolean;
}

const code = (s: string) => '`' + s + '`';
const text = (raw: string) => (raw === '' ? undefined : raw);
const orList = (xs: readonly string[]) => (xs.length < 2 ? xs.join('') : `${xs.slice(0, -1).join(', ')} or ${xs.at(-1)}`);

export const string = (): Kind<string> => ({
  label: 'string', parse: text, show: code,
  check(v) { if (typeof v !== 'string') throw new Invalid('must be a string', v); return v; },
});

/** A string never printed. */
export const secret = (): Kind<string> => ({ ...string(), label: 'secret', secret: true });

export function int(bounds: { min?: number; max?: number; label?: string } = {}): Kind<number> {
  const { min = 0, max = Number.MAX_SAFE_INTEGER } = bounds;
  const range = max === Number.MAX_SAFE_INTEGER ? (min === 1 ? 'a positive whole number' : min === 0 ? 'a whole number' : `a whole number of at least ${min}`) : `${min}-${max}`;
  return {
    label: bounds.label ?? (max === Number.MAX_SAFE_INTEGER ? `integer ≥ ${min}` : `integer ${min}–${max}`),
    parse(raw) {
      if (raw === '') return undefined;
      if (!/^\d+$/.test(raw.trim())) throw new Invalid('must be a whole number', raw);
      return Number(raw);
    },
    check(v) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new Invalid(`must be ${range}`, v);
      return v;
    },
    show: String,
  };
}

/** Every wait has a bound (docs/security.md): 0 would mean "wait forever", so durations are positive. */
/**
 * The longest duration: ten years of seconds (an expiry past what a Date holds answered "Invalid time value" to
 * GraphQL callers: attacker read 21, F8), and setTimeout's largest delay in milliseconds (past it Node waits 1 ms).
 */
const LONGEST = { seconds: 10 * 365 * 24 * 3600, milliseconds: 2 ** 31 - 1 };
export const duration = (unit: 'seconds' | 'milliseconds'): Kind<number> => {
  const whole = int({ min: 1, max: LONGEST[unit], label: unit });
  return { ...whole, check(v) { try { return whole.check(v); } catch (e) { throw new Invalid(`must be a positive number of ${unit}, at most ${LONGEST[unit]}`, (e as Invalid).got); } } };
};

const TRUE = ['1', 'true', 'yes', 'on'];
const FALSE = ['0', 'false', 'no', 'off'];
export const bool = (): Kind<boolean> => ({
  label: 'boolean',
  parse(raw) {
    const v = raw.trim().toLowerCase();
    if (v === '') return undefined;
    if (TRUE.includes(v)) return true;
    if (FALSE.includes(v)) return false;
    throw new Invalid('must be true or false', raw);
  },
  check(v) { if (typeof v !== 'boolean') throw new Invalid('must be true or false', v); return v; },
  show: String,
});

export function oneOf<const V extends string>(values: readonly V[]): Kind<V> {
  return {
    label: values.map(code).join(' | '),
    parse: text as (raw: string) => V | undefined,
    check(v) { if (!values.includes(v as V)) throw new Invalid(`must be ${orList(values)}`, v); return v as V; },
    show: code,
  };
}

/**
 * A URL. With `schemes`, one of those prefixes (the drivers parse the rest). Otherwise an absolute URL; `identifier`:
 * also no query or fragment, and trailing slashes dropped (RFC 8414 §2's issuer).
 */
export function url(opts: { schemes?: readonly string[]; hint?: string; identifier?: boolean } = {}): Kind<string> {
  const { schemes } = opts;
  const prefixes = schemes?.map((s) => `${s}://`);
  return {
    label: prefixes ? `URL (${prefixes.join(', ')})` : 'URL',
    parse: text,
    check(v) {
      if (prefixes) {
        if (typeof v !== 'string' || !prefixes.some((p) => v.startsWith(p))) throw new Invalid(`must start with ${orList(prefixes)}${opts.hint ?? ''}`, v);
        // Checked here, so that a URL its client library would refuse later is named now (a secret one without its value).
        if (!URL.parse(v)) throw new Invalid('must be a valid URL', v);
        return v;
      }
      const u = typeof v === 'string' ? URL.parse(v) : null;
      if (!u) throw new Invalid('must be an absolute URL', v);
      if (opts.identifier) {
        // RFC 8414 §2: the issuer is an https URL (http only where insecure transport is allowed, a rule of
        // settings.ts) with no query or fragment; it is published and logged, so it carries no credentials.
        if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Invalid('must be an http(s) URL', v);
        if (u.username || u.password) throw new Invalid('must not carry a user name or password');
        if (u.search || u.hash) throw new Invalid('must not have a query or fragment', v);
        return (v as string).replace(/\/+$/, '');
      }
      return v as string;
    },
    show: code,
  };
}

/** Comma- or space-separated; an empty text is an empty list, not "unset". */
export function list(opts: { nonEmpty?: boolean; item?: (s: string) => void } = {}): Kind<string[]> {
  return {
    label: 'list',
    parse: (raw) => raw.split(/[,\s]+/).filter(Boolean),
    check(v) {
      if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw new Invalid('must be a list of strings', v);
      if (opts.nonEmpty && v.length === 0) throw new Invalid('must list at least one entry');
      v.forEach((s: string) => opts.item?.(s));
      return v as string[];
    },
    show: (v) => (v.length ? v.map(code).join(', ') : 'none'),
  };
}

/** Origins as a browser sends them in `Origin`: scheme://host[:port], nothing more, so they compare as strings. */
export const origins = (): Kind<string[]> => ({
  ...list({ item(o) { if (URL.parse(o)?.origin !== o) throw new Invalid('must list origins (scheme://host[:port]) such as https://app.example.com', o); } }),
  label: 'list of origins',
});

/** Keys, never printed; at least one. */
export const secretList = (): Kind<string[]> => ({ ...list({ nonEmpty: true }), label: 'list of secrets', secret: true });

/** 32 bytes, as 64 hex characters or base64 (AES-256 keys). */
export const key32 = (): Kind<string> => ({
  ...secret(),
  label: 'secret, 32 bytes (hex or base64)',
  check(v) {
    if (typeof v !== 'string' || (!/^[0-9a-fA-F]{64}$/.test(v) && Buffer.from(v, 'base64').length !== 32)) throw new Invalid('must be 32 bytes, as 64 hex characters or base64');
    return v;
  },
});

const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 * 1024 };
/** A size such as 100kb, 1mb or 2048 (bytes), in bytes; undefined when it is not one. */
export function sizeInBytes(s: string): number | undefined {
  const m = /^\s*(\d+)\s*(b|kb|mb)?\s*$/i.exec(s);
  return m ? Number(m[1]) * UNITS[(m[2] ?? 'b').toLowerCase()] : undefined;
}
export const size = (): Kind<string> => ({
  label: 'size (b, kb, mb)',
  parse: text,
  check(v) { if (typeof v !== 'string' || sizeInBytes(v) === undefined) throw new Invalid('must be a size such as 100kb', v); return v; },
  show: code,
});

/** A table of names to words (in-process only). */
export const dictionary = (): Kind<Record<string, string>> => ({
  label: 'object',
  parse() { throw new Invalid('can only be given in-process'); },
  check(v) {
    if (!v || typeof v !== 'object' || Array.isArray(v) || Object.values(v).some((s) => typeof s !== 'string')) throw new Invalid('must map names to descriptions');
    return v as Record<string, string>;
  },
  show: (v) => Object.keys(v).map(code).join(', '),
});
