/**
 * OpenID Connect Core §5.1 standard claims a user may fill in about themselves, named as the claims are (the
 * consent page, UserInfo and GraphQL translate nothing). `email`, `email_verified` and `updated_at` live on the
 * user itself.
 */
export const ADDRESS_FIELDS = ['formatted', 'street_address', 'locality', 'region', 'postal_code', 'country'] as const;
export type Address = Partial<Record<(typeof ADDRESS_FIELDS)[number], string>>;

export const PROFILE_TEXT_FIELDS = [
  'name', 'given_name', 'family_name', 'middle_name', 'nickname', 'picture', 'website', 'gender', 'birthdate', 'zoneinfo',
  'locale', 'phone_number',
] as const;
export type ProfileTextField = (typeof PROFILE_TEXT_FIELDS)[number];

export type Profile = Partial<Record<ProfileTextField, string>> & { phone_number_verified?: boolean; address?: Address };

/** What an edit may carry: a field set to '' or null is cleared; a field left out stays as it was. */
export type ProfileEdit = Partial<Record<ProfileTextField, string | null>> & { phone_number_verified?: boolean | null; address?: Partial<Record<keyof Address, string | null>> | null };

const MAX = 255;
const URL_FIELDS = new Set<string>(['picture', 'website']);
// §5.1: birthdate is YYYY-MM-DD, or YYYY when only the year is shared (0000 for the year withheld is allowed).
const BIRTHDATE = /^\d{4}(-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]))?$/;
// §5.1 recommends E.164: a plus, then up to 15 digits; an extension after ";ext=" (RFC 3966) is kept.
const PHONE = /^\+[1-9]\d{1,14}(;ext=\d{1,10})?$/;
// BCP 47 in the shape §5.1 shows (en-US, fr, zh-Hant-TW): a language and up to three subtags.
const LOCALE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$/;
// An IANA time zone name (Europe/Paris, America/Argentina/Buenos_Aires, UTC).
const ZONEINFO = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){0,2}$/;

const messages = {
  length: `Use at most ${MAX} characters.`,
  url: 'Use an http or https address.',
  birthdate: 'Use YYYY or YYYY-MM-DD.',
  phone: 'Use the international format: + then the country code and number, digits only.',
  locale: 'Use a language tag such as en, fr or en-US.',
  zoneinfo: 'Use a time zone name such as Europe/Paris.',
};

function fieldError(field: string, value: string): string | null {
  if (value.length > MAX) return messages.length;
  if (URL_FIELDS.has(field)) {
    try { if (!['http:', 'https:'].includes(new URL(value).protocol)) return messages.url; } catch { return messages.url; }
  }
  if (field === 'birthdate' && !BIRTHDATE.test(value)) return messages.birthdate;
  if (field === 'phone_number' && !PHONE.test(value)) return messages.phone;
  if (field === 'locale' && !LOCALE.test(value)) return messages.locale;
  if (field === 'zoneinfo' && !ZONEINFO.test(value)) return messages.zoneinfo;
  return null;
}

const clean = (v: string | null | undefined): string | undefined => (v === null || v === undefined || v.trim() === '' ? undefined : v.trim());

/**
 * Applies an edit to a profile: the new profile, or errors keyed by field (`address.locality` for address parts).
 * `mayVerify`: only an administrator may say a phone number is verified (a user editing it unverifies it).
 */
export function applyProfileEdit(current: Profile, edit: ProfileEdit, mayVerify: boolean): { ok: true; profile: Profile } | { ok: false; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const next: Profile = { ...current };
  for (const field of PROFILE_TEXT_FIELDS) {
    if (!(field in edit)) continue;
    const v = clean(edit[field]);
    const error = v === undefined ? null : fieldError(field, v);
    if (error) errors[field] = error;
    else if (v === undefined) delete next[field];
    else next[field] = v;
  }
  if (edit.address !== undefined) {
    const address: Address = edit.address === null ? {} : { ...current.address };
    for (const part of ADDRESS_FIELDS) {
      if (!edit.address || !(part in edit.address)) continue;
      const v = clean(edit.address[part]);
      if (v !== undefined && v.length > MAX) errors[`address.${part}`] = messages.length;
      else if (v === undefined) delete address[part];
      else address[part] = v;
    }
    if (Object.keys(address).length) next.address = address; else delete next.address;
  }
  if (mayVerify && edit.phone_number_verified !== undefined) {
    if (edit.phone_number_verified) next.phone_number_verified = true; else delete next.phone_number_verified;
  } else if (next.phone_number !== current.phone_number) delete next.phone_number_verified;
  if (!next.phone_number) delete next.phone_number_verified;
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, profile: next };
}

/** A stored profile (JSON text, or an object from a JSON column), read defensively: unknown members are dropped. */
export function readProfile(stored: unknown): Profile {
  let raw = stored;
  if (typeof raw === 'string') { try { raw = JSON.parse(raw); } catch { return {}; } }
  if (!raw || typeof raw !== 'object') return {};
  const r = raw as Record<string, unknown>;
  const out: Profile = {};
  for (const f of PROFILE_TEXT_FIELDS) if (typeof r[f] === 'string') out[f] = r[f];
  if (r.phone_number_verified === true) out.phone_number_verified = true;
  if (r.address && typeof r.address === 'object') {
    const a = r.address as Record<string, unknown>;
    const address: Address = {};
    for (const part of ADDRESS_FIELDS) if (typeof a[part] === 'string') address[part] = a[part];
    if (Object.keys(address).length) out.address = address;
  }
  return out;
}
