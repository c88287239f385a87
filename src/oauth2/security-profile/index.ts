export { SECURITY_PROFILES, PROFILE_RULES, algsUnder, has, type SecurityProfile, type ProfileRule } from './rules.ts';
export { clientViolations, idTokenAlgDefault, profileFieldErrors, type ClientViolation, type ProfiledClient } from './clients.ts';
export { authorizationViolation, tokenViolation, unpushedRule, pushedRequired, oauth1Refusal } from './requests.ts';
export { profileMetadata } from './metadata.ts';
