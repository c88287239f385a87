import { en, type MessageKey } from './en.ts';
import { fr } from './fr.ts';

export type { MessageKey };
export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

const CATALOGS: Record<string, Record<MessageKey, string>> = { en, fr };
export const LANGUAGES = Object.keys(CATALOGS);

/** RFC 9110 §12.5.4: the supported language with the highest q in Accept-Language; English otherwise. */
export function negotiateLanguage(header: string | undefined): string {
  let best = { lang: 'en', q: 0 };
  for (const part of (header ?? '').split(',')) {
    const [tag, ...params] = part.trim().toLowerCase().split(';');
    const q = Number(params.find((p) => p.trim().startsWith('q='))?.split('=')[1] ?? 1);
    const lang = tag.split('-')[0];
    if (lang in CATALOGS && q > best.q) best = { lang, q };
  }
  return best.lang;
}

export function translator(lang: string): Translate {
  const catalog = CATALOGS[lang] ?? en;
  return (key, params = {}) => (catalog[key] ?? en[key] ?? key).replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ''));
}
