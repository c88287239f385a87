import type { Profile } from './profile.ts';

export interface UserRecord {
  id: number;
  username: string;
  email: string | null;
  isAdmin: boolean;
  isActive: boolean;
  createdAt: number;
  lastLoginAt: number | null;
  /** OpenID Connect Core §5.1 claims the user filled in (accounts/profile.ts). */
  profile: Profile;
  emailVerified: boolean;
  /** When the profile or email last changed (the `updated_at` claim), epoch ms. */
  updatedAt: number | null;
  /** Browser sessions that logged in at or before this instant (epoch ms) are over. */
  sessionsEndedAt?: number | null;
}

export interface ProfileChange { profile: Profile; email: string | null; emailVerified: boolean; updatedAt: number }

export interface UserStore {
  /** Used by: login (with the hash), CLI. */
  findByUsername(username: string): Promise<(UserRecord & { passwordHash: string }) | null>;
  /** Used by: session user, token owner lookup. */
  findById(id: number): Promise<UserRecord | null>;
  /** Used by: CLI createuser, first-start admin, GraphQL createUser. */
  create(data: { username: string; email?: string | null; passwordHash: string; isAdmin: boolean; initialPassword?: boolean }): Promise<UserRecord>;
  /** Used by: login. */
  touchLogin(id: number, at: number): Promise<void>;
  /**
   * Used by: login (transparent upgrade of hash parameters: the same password), a new password (`changed`: the
   * first admin's initial password is then gone).
   */
  setPasswordHash(id: number, passwordHash: string, opts?: { changed?: boolean }): Promise<void>;
  /** Used by: ending a user's sessions (deactivation, a new password, an administrator): sessions from before `at` end. */
  endSessions(id: number, at: number): Promise<void>;
  /** Used by: the profile page, GraphQL updateProfile, CLI updateuser. */
  updateProfile(id: number, change: ProfileChange): Promise<void>;
  /** Used by: first start (is there anyone yet?). */
  count(): Promise<number>;
}
