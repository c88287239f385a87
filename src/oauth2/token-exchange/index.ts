// RFC 8693 OAuth 2.0 Token Exchange: the policy, token types, act claim and the exchange's checks.
// The token endpoint's grant is src/oauth2/grants/token-exchange.ts. docs/architecture.md "Token exchange".
export * from './policy.ts';
export * from './token-types.ts';
export * from './act.ts';
export * from './exchange.ts';
export * from './id-token-subject.ts';
