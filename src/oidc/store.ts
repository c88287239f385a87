// Storage interfaces the OpenID Connect core needs. src/storage implements them; the core never sees an ORM.

/** A signing key's role: published before use (next), signing (current), published until its tokens expire (retired). */
export type KeyStatus = 'next' | 'current' | 'retired';

/** A row of signing_keys as the core sees it: the private JWK only sealed (AES-256-GCM under ENCRYPTION_KEY). */
export interface SigningKeyRow {
  kid: string;
  alg: string;
  status: KeyStatus;
  /** The public JWK, JSON. */
  publicJwk: string;
  /** The private JWK, JSON, sealed by oauth1/secret-box.ts. */
  privateJwkSealed: string;
  createdAt: number;
  retiredAt: number | null;
}

export interface SigningKeyStore {
  /** Used by: the key ring (JWKS, ID Token signing). Every key not yet deleted. */
  list(): Promise<SigningKeyRow[]>;
  /**
   * Used by: first start. Inserts a next or current key unless its algorithm already has a key in that role;
   * false when another instance got there first (a unique constraint decides, not a read before the write).
   */
  insertIfFree(row: SigningKeyRow): Promise<boolean>;
  /**
   * Used by: rotatekeys and GraphQL rotateSigningKeys. In one transaction, for each algorithm of `nexts`: the current
   * key is retired (at `now`), the next key becomes current, the row of `nexts` is inserted as the new next key, and
   * retired keys retired before `forgetBefore` are deleted. Only if the next keys are still `expectedNextKids` (a
   * compare-and-set: of concurrent rotations one wins); null, with nothing changed, otherwise.
   */
  rotate(nexts: SigningKeyRow[], expectedNextKids: string[], now: number, forgetBefore: number): Promise<{ promoted: string | null; retired: string | null; deleted: number }[] | null>;
}

/** An OpenID Connect login session as remembered for logout (Back-Channel Logout §2.3). */
export interface LoginSessionRow { sid: string; userId: number; clientIds: string[]; expiresAt: number }

export interface LoginSessionStore {
  /** Used by: login (a new sid, no client yet) and the authorization endpoint (a client got an ID Token). */
  save(row: LoginSessionRow): Promise<void>;
  /** Used by: logout in the browser (the session's RPs were told from the session itself). */
  remove(sid: string): Promise<void>;
  /** Used by: deactivation, a new password, an administrator ending a user's sessions. Deletes and returns them. */
  takeAllOf(userId: number): Promise<LoginSessionRow[]>;
}
