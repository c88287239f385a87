/**
 * Machine-facing endpoints: they answer JSON (errors included, even before their router runs) and never
 * touch the browser session.
 */
const PROTOCOL = /^\/(o\/(token|revoke_token|introspect)\/?$|\.well-known\/|api\/|oauth1\/(initiate|token)\/?$|graphql$|healthz$|readyz$)/;

export const isProtocolPath = (path: string): boolean => PROTOCOL.test(path);
