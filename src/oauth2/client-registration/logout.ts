// OpenID Connect logout metadata: where Back-Channel logout tokens are posted, which page Front-Channel logout frames.
import { validateBackchannelLogoutUri, validateFrontchannelLogoutUri } from '../redirect-uri.ts';
import { toBool } from './fields.ts';
import type { Check } from './types.ts';

export interface LogoutFields {
  backchannelLogoutUri: string | null;
  backchannelLogoutSessionRequired: boolean | null;
  frontchannelLogoutUri: string | null;
  frontchannelLogoutSessionRequired: boolean | null;
}

export function validLogout({ raw, policy, errors }: Check, redirectUris: readonly string[]): LogoutFields {
  const backchannelLogoutUri = typeof raw.backchannelLogoutUri === 'string' && raw.backchannelLogoutUri.trim() ? raw.backchannelLogoutUri.trim() : null;
  if (raw.backchannelLogoutUri != null && typeof raw.backchannelLogoutUri !== 'string') errors.backchannelLogoutUri = 'Must be a URL.';
  const backchannelProblem = backchannelLogoutUri && validateBackchannelLogoutUri(backchannelLogoutUri, { allowInsecureTransport: policy.allowInsecureTransport });
  if (backchannelProblem) errors.backchannelLogoutUri = backchannelProblem;
  const backchannelLogoutSessionRequired = toBool(raw.backchannelLogoutSessionRequired);
  if (backchannelLogoutSessionRequired === null) errors.backchannelLogoutSessionRequired = 'Must be true or false.';
  const frontchannelLogoutUri = typeof raw.frontchannelLogoutUri === 'string' && raw.frontchannelLogoutUri.trim() ? raw.frontchannelLogoutUri.trim() : null;
  if (raw.frontchannelLogoutUri != null && typeof raw.frontchannelLogoutUri !== 'string') errors.frontchannelLogoutUri = 'Must be a URL.';
  const frontchannelProblem = frontchannelLogoutUri && validateFrontchannelLogoutUri(frontchannelLogoutUri, redirectUris);
  if (frontchannelProblem) errors.frontchannelLogoutUri = frontchannelProblem;
  const frontchannelLogoutSessionRequired = toBool(raw.frontchannelLogoutSessionRequired);
  if (frontchannelLogoutSessionRequired === null) errors.frontchannelLogoutSessionRequired = 'Must be true or false.';
  return { backchannelLogoutUri, backchannelLogoutSessionRequired, frontchannelLogoutUri, frontchannelLogoutSessionRequired };
}
