import { createHash } from 'node:crypto';
import type { Context } from 'koa';

/** A file served from our own origin (no CDN: Gatehouse may be offline), with a content hash as its ETag. */
export interface StaticAsset { body: Buffer; type: string; etag: string }

/**
 * Encoded once: every response writes the same bytes, and a reader that never reads holds a reference to them, not a
 * copy — a 5 MB string body was encoded anew for each response, and 600 stalled readers held 3 GB (attacker read 10, F4).
 */
export function staticAsset(body: string | Buffer, type: string): StaticAsset {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  return { body: bytes, type, etag: `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 16)}"` };
}

/** Answers the asset, or 304 when the browser's copy is the same. */
export function sendAsset(ctx: Context, asset: StaticAsset): void {
  ctx.set('Cache-Control', 'public, max-age=3600');
  ctx.set('ETag', asset.etag);
  if (ctx.get('if-none-match') === asset.etag) { ctx.status = 304; return; }
  ctx.type = asset.type;
  ctx.body = asset.body;
}
