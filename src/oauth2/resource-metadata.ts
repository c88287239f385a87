// RFC 9728: OAuth 2.0 Protected Resource Metadata, the document a resource publishes so a client can find the
// authorization server that issues its tokens (the MCP authorization spec relies on it). Pure: plain values in.
import { canonicalResource } from './resources.ts';

export const PROTECTED_RESOURCE_WELL_KNOWN = '/.well-known/oauth-protected-resource';

/**
 * RFC 9728 §3.1: the metadata URL of a resource: the well-known segment inserted between the host and the path
 * (`https://mcp.example/mcp` → `https://mcp.example/.well-known/oauth-protected-resource/mcp`); the query is not
 * part of it (§3.1: a resource identifier should not have one).
 */
export function protectedResourceMetadataUrl(resource: string): string {
  const url = new URL(canonicalResource(resource) ?? resource);
  const path = url.pathname === '/' ? '' : url.pathname;
  return `${url.origin}${PROTECTED_RESOURCE_WELL_KNOWN}${path}`;
}

/** The path part of that URL, for a router. */
export const protectedResourceMetadataPath = (resource: string): string => new URL(protectedResourceMetadataUrl(resource)).pathname;

export interface ProtectedResourceMetadataInput {
  /** RFC 9728 §2 resource: the identifier clients send as RFC 8707 `resource` (and the token's `aud`). */
  resource: string;
  /** §2 authorization_servers: issuer identifiers (RFC 8414) of the servers that issue its tokens. */
  authorizationServers: string[];
  scopesSupported?: string[];
  /** §2 bearer_methods_supported: RFC 6750 `header`, `body`, `query`. */
  bearerMethodsSupported?: ('header' | 'body' | 'query')[];
  resourceName?: string;
  resourceDocumentation?: string;
  /** §2 dpop_signing_alg_values_supported: the resource takes RFC 9449 DPoP proofs signed with these. */
  dpopSigningAlgValues?: readonly string[];
}

/**
 * RFC 9728 §2 document. §3.3: `resource` MUST be identical to the identifier the metadata URL was made from, so it is
 * written in the canonical form that URL and the tokens' audience use.
 */
export function protectedResourceMetadata(i: ProtectedResourceMetadataInput): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    resource: canonicalResource(i.resource) ?? i.resource,
    authorization_servers: [...i.authorizationServers],
    bearer_methods_supported: [...(i.bearerMethodsSupported ?? ['header'])],
  };
  if (i.scopesSupported) doc.scopes_supported = [...i.scopesSupported];
  if (i.resourceName) doc.resource_name = i.resourceName;
  if (i.resourceDocumentation) doc.resource_documentation = i.resourceDocumentation;
  if (i.dpopSigningAlgValues) doc.dpop_signing_alg_values_supported = [...i.dpopSigningAlgValues];
  return doc;
}
