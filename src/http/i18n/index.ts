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
    if (Object.hasOwn(CATALOGS, lang) && q > best.q) best = { lang, q };
  }
  return best.lang;
}

/** OpenID Connect Core §3.1.2.1 ui_locales: space-separated BCP 47 tags, preferred first; the first one we speak. */
export function negotiateUiLocales(value: string | undefined): string | undefined {
  return (value ?? '').split(' ').map((tag) => tag.toLowerCase().split('-')[0]).find((lang) => Object.hasOwn(CATALOGS, lang));
}

export function translator(lang: string): Translate {
  const catalog = Object.hasOwn(CATALOGS, lang) ? CATALOGS[lang] : en;
  return (key, params = {}) => (catalog[key] ?? en[key] ?? key).replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ''));
}

/** A refusal reason (src/oauth2/failure-reasons.ts) in plain words: the pages' catalog, for GraphQL. */
export const explainFailure = (reason: string, lang = 'en'): string => {
  const key = `failure.${reason}`;
  return Object.hasOwn(en, key) ? translator(lang)(key as MessageKey) : translator(lang)('failure.other');
};
