// The web page's tests' browser: headless Chromium through puppeteer-core, one per test file, and
// a page of it opened in front (a tab in the background gets no animation frames and slow timers).
import { existsSync } from 'node:fs';
import { after, before, test as it } from 'node:test';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

const CHROMIUM = process.env.REDTAIL_CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));
// CI sets REDTAIL_REQUIRE_BROWSER, so there a missing Chromium fails; on a laptop without one
// these tests are skipped, saying why.
const MISSING = 'needs Chromium: apt-get install chromium, or set REDTAIL_CHROMIUM to a Chrome binary';
if (!CHROMIUM && process.env.REDTAIL_REQUIRE_BROWSER) throw new Error(`the web page tests ${MISSING}`);

/** A test that needs the browser: skipped, saying why, where there is none. */
export const test = (name: string, fn: () => Promise<void>) => it(name, { skip: CHROMIUM ? false : MISSING, timeout: 30_000 }, fn);

/** The browser, launched before a file's tests with Chromium's `args` added, closed after them. */
export function useBrowser(args: string[] = []): () => Browser {
  let browser: Browser;
  before(async () => {
    if (CHROMIUM) browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', ...args] });
  });
  after(async () => browser?.close());
  return () => browser;
}

/** A page at `url`, with the dialogs it opened and the errors it threw. */
export async function open(browser: Browser, url: string, setup?: (page: Page) => Promise<void>): Promise<{ page: Page; dialogs: string[]; errors: string[] }> {
  const page = await browser.newPage();
  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.bringToFront();
  await setup?.(page);
  await page.goto(url);
  return { page, dialogs, errors };
}

/** The record rows as their cells' text. */
export const table = (page: Page) => page.$$eval('#records tbody tr.record', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));

/** The status line's text, once it matches. */
export async function status(page: Page, pattern: RegExp): Promise<string> {
  await page.waitForFunction((source, flags) => new RegExp(source, flags).test(document.querySelector('#status')?.textContent ?? ''), { polling: 50, timeout: 10_000 }, pattern.source, pattern.flags);
  return page.$eval('#status', (e) => e.textContent ?? '');
}
