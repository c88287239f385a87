export { SECURITY_PROFILES, PROFILE_RULES, FAPI2_ALGS, algsUnder, has, type SecurityProfile, type ProfileRule } from './rules.ts';
export { clientViolations, profileFieldErrors, type ClientViolation, type ProfiledClient } from './clients.ts';
export { authorizationViolation, tokenViolation, unpushedRule } from './requests.ts';
export { profileMetadata } from './metadata.ts';
