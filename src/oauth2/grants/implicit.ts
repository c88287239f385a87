// RFC 6749 §4.2: the implicit grant. Its token comes from the authorization endpoint (approve.ts), so it has no
// token-endpoint step; this module declares it for the registry like every other grant.
export const grantType = 'implicit';
export const parameters: ReadonlySet<string> = new Set();
export const registrable = true;
// RFC 6749 §4.2.2: the authorization server MUST NOT issue a refresh token.
export const issuesRefreshToken = false;
// Tokens in URLs (RFC 9700 §2.1.2): only administrators allow it.
export const privileged = true;
export const userTokensWithoutRedirect = false;
export const responseType = 'token';
