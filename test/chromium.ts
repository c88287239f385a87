import { existsSync } from 'node:fs';
import { chromium, type Browser as Chromium, type Page, type Response as PwResponse } from 'playwright-core';

// Debian's Chromium package, never a downloaded browser (.ci/run installs it).
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Headless Chromium with nothing of its own on the network (no QUIC, sync, component updates). */
export async function launchChromium(): Promise<Chromium> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (.ci/run does)`);
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
}

/** Console errors (CSP violations are "Refused to ...") and uncaught page errors go to `problems`: pages must make none. */
export function watchProblems(page: Page, problems: string[]): Page {
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(e.message));
  return page;
}

/** Signs in through the login form by its field ids (so in any language), and waits for the home page. */
export async function logInThroughForm(page: Page, base: string, username: string, password: string): Promise<void> {
  await page.goto(`${base}/accounts/login/`);
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(password);
  await page.locator('form button[type=submit]').click();
  await page.waitForURL(`${base}/`);
}

/** The documents the browser was served while `go` ran: [status, url] of each main-frame navigation response. */
export async function documentsDuring(p: Page, go: () => Promise<unknown>): Promise<[number, string][]> {
  const seen: [number, string][] = [];
  const on = (r: PwResponse) => { if (r.request().isNavigationRequest() && r.frame() === p.mainFrame()) seen.push([r.status(), r.url()]); };
  p.on('response', on);
  try { await go(); } finally { p.off('response', on); }
  return seen;
}

/**
 * What sticks out at the page's width, named (elements, and text overflowing its box), so a failure says what to
 * fix; empty when the page fits (no horizontal scroll).
 */
export function sticksOut(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const limit = document.documentElement.clientWidth + 0.5;
    const out: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const r = document.createRange();
      r.selectNodeContents(n);
      if (r.getBoundingClientRect().right > limit) out.push(`text in ${n.parentElement?.tagName}#${n.parentElement?.id}: ${n.textContent?.slice(0, 40)}`);
    }
    for (const e of document.querySelectorAll('body *')) if (e.getBoundingClientRect().right > limit) out.push(`${e.tagName}#${e.id}.${e.className}`);
    if (document.documentElement.scrollWidth > document.documentElement.clientWidth) out.push(`scrollWidth ${document.documentElement.scrollWidth}`);
    return out;
  });
}
