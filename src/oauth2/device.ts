// RFC 8628 device authorization: user codes and the device authorization response. No Koa, no ORM.
import { randomInt } from 'node:crypto';
import { UnauthorizedClient } from './errors.ts';
import { effectiveGrantTypes } from './grant-types.ts';
import { decideResources, type ResourceCatalog } from './resources.ts';
import { formatScope, parseScope, resolveScope } from './scope.ts';
import type { ClientRecord, GrantType } from './store.ts';
import type { DeviceStore } from './device-store.ts';
import { generateToken, hashToken } from './tokens.ts';
import { authorizationViolation, type SecurityProfile } from './security-profile/index.ts';

export const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
/** RFC 8628 §6.1: consonants only (no vowels, so no words; no look-alikes such as 0/O, 1/I). 20^8 ≈ 2^34.6 codes. */
export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
export const USER_CODE_LENGTH = 8;
/** RFC 8628 §3.2: device codes live 10 minutes; clients poll every 5 s unless told to slow down. */
export const DEVICE_CODE_TTL = 600;
export const DEFAULT_INTERVAL = 5;
export const VERIFICATION_PATH = '/o/device/';
export const DEVICE_AUTHORIZATION_PATH = '/o/device-authorization/';

/** A user code from a CSPRNG (RFC 8628 §5.1: not guessable), unbiased per character (randomInt). */
export function generateUserCode(): string {
  let s = '';
  for (let i = 0; i < USER_CODE_LENGTH; i++) s += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
  return s;
}

/** XXXX-XXXX, as shown to people. */
export const displayUserCode = (code: string) => `${code.slice(0, 4)}-${code.slice(4)}`;

/** RFC 8628 §6.1: case- and dash-insensitive input (spaces too); null when it cannot be a user code. */
export function normalizeUserCode(input: string | undefined): string | null {
  if (!input || input.length > 64) return null;
  const s = input.toUpperCase().replace(/[\s-]/g, '');
  if (s.length !== USER_CODE_LENGTH) return null;
  for (const c of s) if (!USER_CODE_ALPHABET.includes(c)) return null;
  return s;
}

export const userCodeHash = (normalized: string) => hashToken(`user-code:${normalized}`);

export interface DeviceAuthorizationResponse {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

/** RFC 8628 §3.1/§3.2: the client asks, Gatehouse answers with a device code (stored hashed) and a user code. */
export async function authorizeDevice(params: Record<string, string>, client: ClientRecord, deps: { devices: DeviceStore; issuer: string; defaultScopes: readonly string[]; now: number; resources?: () => Promise<ResourceCatalog>; securityProfile?: SecurityProfile }): Promise<DeviceAuthorizationResponse> {
  // RFC 8628 §3.2 / RFC 6749 §5.2: a client not registered for the device grant is unauthorized_client.
  if (!effectiveGrantTypes(client.grantTypes).includes(DEVICE_GRANT as GrantType)) throw new UnauthorizedClient('This client may not use the device authorization grant.');
  const resolved = resolveScope(parseScope(params.scope), client.allowedScopes, deps.defaultScopes);
  // RFC 8707 §2 as at the authorization endpoint (the same decision): every resource known, the scope one they take,
  // else invalid_target before anything is stored. The token request may then narrow them (grants/device-code.ts).
  const target = await decideResources(params.resource, resolved, params.scope !== undefined, deps.resources);
  // A device authorization is an authorization request too: the profile's rules (mcp:resource-indicator) hold here
  // as at /o/authorize, by the same check, before anything is stored.
  const violation = authorizationViolation(deps.securityProfile, { code: false, resources: target.resources });
  if (violation) throw violation;
  const scope = formatScope(target.scopes);
  const deviceCode = generateToken();
  for (let attempt = 0; attempt < 5; attempt++) {
    const userCode = generateUserCode();
    const saved = await deps.devices.save({
      deviceCodeHash: hashToken(deviceCode), userCodeHash: userCodeHash(userCode), applicationId: client.id, scope, resources: target.resources, status: 'pending',
      userId: null, grantId: null, authTime: null, amr: [], interval: DEFAULT_INTERVAL, lastPolledAt: null,
      expiresAt: deps.now + DEVICE_CODE_TTL * 1000, createdAt: deps.now,
    });
    if (!saved) continue;
    const display = displayUserCode(userCode);
    const uri = `${deps.issuer}${VERIFICATION_PATH}`;
    return { device_code: deviceCode, user_code: display, verification_uri: uri, verification_uri_complete: `${uri}?user_code=${display}`, expires_in: DEVICE_CODE_TTL, interval: DEFAULT_INTERVAL };
  }
  throw new Error('could not draw a free user code');
}
