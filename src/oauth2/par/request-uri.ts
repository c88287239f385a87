import { InvalidRequestObject, InvalidRequestUri } from '../errors.ts';
import type { ClientRecord } from '../store.ts';
import { isPushedRequestUri } from './pushed-requests.ts';
import { requestObjectKeys } from './request-object.ts';

/** RFC 9101 §10.2: the media type a request object by reference is served with. */
export const REQUEST_OBJECT_MEDIA_TYPE = 'application/oauth-authz-req+jwt';
/** The size cap of a fetched request object (the by-value one's, request-object.ts). */
export const REQUEST_URI_MAX_BYTES = 16 * 1024;
/** How long a request_uri's server may take: a person's browser waits meanwhile. */
export const REQUEST_URI_TIMEOUT_MS = 3000;

/** Fetches a request_uri through the outbound guard (oidc/outbound.ts); throws on any failure (its cause is logged). */
export type RequestUriFetcher = (uri: string) => Promise<{ body: string; contentType: string | undefined }>;

/** A request_uri that this module dereferences: any value but a pushed request's URN (par/pushed-requests.ts). */
export const isRemoteRequestUri = (uri: string | undefined): uri is string => uri !== undefined && !isPushedRequestUri(uri);

/**
 * RFC 9101 §5.2 / §6.2: a request object by reference becomes the same request as by value (`request`), for
 * request-object.ts to verify. Only a request_uri the client registered (Registration §2 request_uris, matched
 * exactly: no prefix or pattern, so no path the client did not name is ever fetched) over https (http only in
 * development); anything else is invalid_request_uri, an error page, without a fetch.
 */
export async function dereferenceRequestUri(outer: Record<string, string>, client: ClientRecord, fetch: RequestUriFetcher, o: { allowHttp: boolean }): Promise<Record<string, string>> {
  const uri = outer.request_uri;
  // RFC 9101 §5: request and request_uri are not sent together.
  if (outer.request !== undefined) throw new InvalidRequestObject('request and request_uri cannot both be sent.');
  const url = URL.parse(uri);
  if (!url || !(url.protocol === 'https:' || (o.allowHttp && url.protocol === 'http:'))) throw new InvalidRequestUri('The request_uri must be an https URL.');
  // Registration §2: require_request_uri_registration (advertised true); the string as registered, byte for byte.
  if (!client.requestUris.includes(uri)) throw new InvalidRequestUri('The request_uri is not registered for this client.');
  // Nothing to verify the object with, nothing fetched: an anonymous request must not make a fetch that cannot serve.
  requestObjectKeys(client);
  let doc: { body: string; contentType: string | undefined };
  try { doc = await fetch(uri); } catch { throw new InvalidRequestUri('The request_uri could not be fetched.'); }
  const media = doc.contentType?.split(';')[0].trim().toLowerCase();
  if (media !== REQUEST_OBJECT_MEDIA_TYPE) throw new InvalidRequestUri(`The request_uri must answer ${REQUEST_OBJECT_MEDIA_TYPE}.`);
  const { request_uri: _used, ...rest } = outer;
  return { ...rest, request: doc.body.trim() };
}
