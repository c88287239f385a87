import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type pugModule from 'pug';
import type { Context } from 'koa';
import { csrfToken, CSRF_FIELD } from './middleware/csrf.ts';
import { negotiateLanguage, negotiateUiLocales, translator, type MessageKey, type Translate } from './i18n/index.ts';
import { scopeDescriptions } from '../oauth2/scope.ts';

const TEMPLATES = fileURLToPath(new URL('../../templates/', import.meta.url));

// pug (with the Babel parser it compiles templates with) is a tenth of start-up, and a server that only answers
// the protocol endpoints never renders a page: it loads, synchronously, on the first render.
const require = createRequire(import.meta.url);
let pugLoaded: typeof pugModule | undefined;
const pug = () => (pugLoaded ??= require('pug') as typeof pugModule);

export type Render = (ctx: Context, template: string, locals?: Record<string, unknown>) => void;

const SHIPPED_SCOPE_WORDS = scopeDescriptions();
/**
 * The words a page shows for a scope: a shipped scope's own, translated, while the operator's config keeps them
 * (config.scopes defaults to SHIPPED_SCOPE_WORDS); an operator's own words for a scope are shown as written.
 */
const scopeWords = (t: Translate) => (name: string, description: string): string =>
  (SHIPPED_SCOPE_WORDS[name] === description ? t(`scope.${name}` as MessageKey) : description);

/**
 * How every page shows a moment: minutes, with the time zone written out ("2026-12-06 02:13 UTC"), since a reader
 * cannot guess which zone a bare time is in. Pages show UTC: the server does not know the reader's zone.
 */
export function shownTime(at: number | string | Date): string {
  const d = new Date(at);
  return Number.isNaN(d.getTime()) ? '—' : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Compiles each template once per process (never per request) and renders it with the page locals. */
export function createRenderer(opts: { siteName: string; cache: boolean; playground: boolean }): Render {
  const compiled = new Map<string, pugModule.compileTemplate>();
  const template = (name: string) => {
    let fn = compiled.get(name);
    if (!fn) {
      fn = pug().compileFile(join(TEMPLATES, `${name}.pug`), { basedir: TEMPLATES });
      if (opts.cache) compiled.set(name, fn);
    }
    return fn;
  };
  return (ctx, name, locals = {}) => {
    const flash = ctx.session && Array.isArray(ctx.session.flash) ? (ctx.session.flash as string[]) : [];
    if (flash.length) ctx.session!.flash = [];
    const lang = pageLanguage(ctx);
    ctx.type = 'html';
    ctx.set('Content-Language', lang);
    ctx.vary('Accept-Language');
    const t = translator(lang);
    ctx.body = template(name)({
      siteName: opts.siteName,
      lang,
      t,
      scopeWords: scopeWords(t),
      shownTime,
      playground: opts.playground,
      user: ctx.state.user ?? null,
      nonce: ctx.state.cspNonce,
      csrfField: CSRF_FIELD,
      // A function, called by the forms that need it: a page without a form creates no session (no row, no cookie).
      csrfToken: () => csrfToken(ctx),
      path: ctx.path,
      flash,
      errors: {},
      values: {},
      ...locals,
    });
  };
}

/**
 * The language of a page: an authentication request's ui_locales (OpenID Connect Core §3.1.2.1, put in
 * `ctx.state.uiLocales` by the authorize and login routes) when we speak one of them, else Accept-Language.
 */
export function pageLanguage(ctx: Context): string {
  return negotiateUiLocales(ctx.state.uiLocales as string | undefined) ?? negotiateLanguage(ctx.get('accept-language'));
}

/** The translator for the language this request asked for. */
export function tr(ctx: Context): Translate {
  return translator(pageLanguage(ctx));
}

/** Queues a one-line message for the next page the browser sees. */
export function flash(ctx: Context, message: string): void {
  const list = Array.isArray(ctx.session!.flash) ? (ctx.session!.flash as string[]) : [];
  ctx.session!.flash = [...list, message];
}
