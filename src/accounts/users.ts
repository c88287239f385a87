import { DUMMY_PASSWORD_HASH, hashPassword, needsRehash, validatePasswordStrength, verifyPassword } from './passwords.ts';
import type { UserRecord, UserStore } from './store.ts';
import { applyProfileEdit, type ProfileEdit } from './profile.ts';

const TAKEN = 'That username is taken.';
const USERNAME = /^[\w.@+-]{1,150}$/;

/** Django's username rule: letters, digits and @/./+/-/_ only. */
export function validateUsername(username: string): string | null {
  return USERNAME.test(username) ? null : 'Use 1-150 letters, digits and @ . + - _ only.';
}

export async function createUser(users: UserStore, data: { username: string; password: string; email?: string | null; isAdmin?: boolean; initialPassword?: boolean }): Promise<{ ok: true; user: UserRecord } | { ok: false; errors: Record<string, string> }> {
  const errors: Record<string, string> = {};
  const u = validateUsername(data.username);
  if (u) errors.username = u;
  const p = validatePasswordStrength(data.password);
  if (p) errors.password = p;
  // Case-insensitive for new users only (Django's UserCreationForm, username__iexact): `Alice` cannot appear beside
  // `alice`; login still matches the username exactly (issue 21 #3).
  if (!u && (await users.usernameTakenIgnoringCase(data.username))) errors.username = TAKEN;
  if (Object.keys(errors).length) return { ok: false, errors };
  const user = await users.create({ username: data.username, email: data.email ?? null, passwordHash: await hashPassword(data.password), isAdmin: data.isAdmin ?? false, initialPassword: data.initialPassword });
  // The loser of a race past the check above gets the same answer as the check.
  if (user === 'username_taken') return { ok: false, errors: { username: TAKEN } };
  return { ok: true, user };
}

/**
 * A reserved account (the owner of dynamically registered clients, `~dynamic`): its name fails the username rule, so
 * nobody registers it, and it never signs in or gets a password, whatever an administrator sets on it (an admin
 * console offered to reset its password and make it an administrator, which would sign in as the owner of every
 * registered client; fresh-eyes 11).
 */
export const isReservedAccount = (username: string): boolean => validateUsername(username) !== null;

/** Sets a new password (the same strength rule as a new user's); the caller ends the user's other sessions. */
export async function setPassword(users: UserStore, userId: number, password: string): Promise<{ ok: true } | { ok: false; errors: Record<string, string> }> {
  const owner = await users.findById(userId);
  if (owner && isReservedAccount(owner.username)) return { ok: false, errors: { id: 'This account is reserved: it never signs in, so it has no password.' } };
  const p = validatePasswordStrength(password);
  if (p) return { ok: false, errors: { password: p } };
  await users.setPasswordHash(userId, await hashPassword(password), { changed: true });
  return { ok: true };
}

/**
 * Checks a username and password. An unknown user still costs one scrypt run against a dummy hash,
 * so response time does not reveal which usernames exist.
 */
export async function authenticate(users: UserStore, username: string, password: string): Promise<UserRecord | null> {
  const found = await users.findByUsername(username);
  const ok = await verifyPassword(password, found?.passwordHash ?? DUMMY_PASSWORD_HASH);
  if (!found || !ok || !found.isActive || isReservedAccount(found.username)) return null;
  if (needsRehash(found.passwordHash)) await users.setPasswordHash(found.id, await hashPassword(password));
  await users.touchLogin(found.id, Date.now());
  const { passwordHash: _omit, ...user } = found;
  return user;
}

// RFC 5321's 254-octet path, one @ with something on either side: the address is never sent mail here.
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,252}$/;

export interface ProfileUpdate extends ProfileEdit { email?: string | null; email_verified?: boolean | null }

/**
 * The one path that changes a user's profile (the profile page, GraphQL updateProfile, the CLI). Only an
 * administrator (`asAdmin`) may say an email or phone number is verified; a changed address loses its mark.
 */
export async function updateProfile(users: UserStore, user: UserRecord, edit: ProfileUpdate, asAdmin: boolean, now = Date.now()): Promise<{ ok: true; user: UserRecord } | { ok: false; errors: Record<string, string> }> {
  const r = applyProfileEdit(user.profile, edit, asAdmin);
  const errors = r.ok ? {} : { ...r.errors };
  let email = user.email;
  if (edit.email !== undefined) {
    email = edit.email?.trim() || null;
    if (email !== null && (email.length > 254 || !EMAIL.test(email))) errors.email = 'Use an email address such as name@example.com.';
  }
  if (!r.ok || Object.keys(errors).length) return { ok: false, errors };
  let emailVerified = email === user.email ? user.emailVerified : false;
  if (asAdmin && edit.email_verified !== undefined && edit.email_verified !== null) emailVerified = edit.email_verified;
  if (email === null) emailVerified = false;
  const change = { profile: r.profile, email, emailVerified, updatedAt: now };
  await users.updateProfile(user.id, change);
  return { ok: true, user: { ...user, ...change } };
}
