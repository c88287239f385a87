/**
 * Where to go after login: only a same-origin relative path. Anything that a browser could read as another
 * origin (//host, /\host, schemes, encoded or control-character tricks) falls back to '/'.
 */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || next.length === 0 || next.length > 2000) return '/';
  // Browsers treat '\' as '/', strip tabs/newlines, and '//' starts a network-path reference.
  if (!next.startsWith('/') || next.startsWith('//') || /[\\\x00-\x1f\x7f]/.test(next)) return '/';
  let decoded = next;
  try { decoded = decodeURIComponent(next); } catch { return '/'; }
  if (decoded.startsWith('//') || /^\/[\\\s]/.test(decoded) || /[\x00-\x1f\x7f]/.test(decoded)) return '/';
  const base = 'http://gatehouse.invalid';
  let url: URL;
  try { url = new URL(next, base); } catch { return '/'; }
  if (url.origin !== base) return '/';
  return url.pathname + url.search + url.hash;
}
