import { DUMMY_PASSWORD_HASH, hashPassword, needsRehash, validatePasswordStrength, verifyPassword } from './passwords.ts';
import type { UserRecord, UserStore } from './store.ts';

const USERNAME = /^[\w.@+-]{1,150}$/;

/** Django's username rule: letters, digits and @/./+/-/_ only. */
export function validateUsername(username: string): string | null {
  return USERNAME.test(username) ? null : 'Use 1-150 letters, digits and @ . + - _ only.';
}

export async function createUser(users: UserStore, data: { username: string; password: string; email?: string | null; isAdmin?: boolean }): Promise<{ ok: true; user: UserRecord } | { ok: false; errors: Record<string, string> }> {
  const errors: Record<string, string> = {};
  const u = validateUsername(data.username);
  if (u) errors.username = u;
  const p = validatePasswordStrength(data.password);
  if (p) errors.password = p;
  if (!u && (await users.findByUsername(data.username))) errors.username = 'That username is taken.';
  if (Object.keys(errors).length) return { ok: false, errors };
  const user = await users.create({ username: data.username, email: data.email ?? null, passwordHash: await hashPassword(data.password), isAdmin: data.isAdmin ?? false });
  return { ok: true, user };
}

/**
 * Checks a username and password. An unknown user still costs one scrypt run against a dummy hash,
 * so response time does not reveal which usernames exist.
 */
export async function authenticate(users: UserStore, username: string, password: string): Promise<UserRecord | null> {
  const found = await users.findByUsername(username);
  const ok = await verifyPassword(password, found?.passwordHash ?? DUMMY_PASSWORD_HASH);
  if (!found || !ok || !found.isActive) return null;
  if (needsRehash(found.passwordHash)) await users.setPasswordHash(found.id, await hashPassword(password));
  await users.touchLogin(found.id, Date.now());
  const { passwordHash: _omit, ...user } = found;
  return user;
}
