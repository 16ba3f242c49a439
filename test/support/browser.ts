/** Debian's Chromium driven by playwright-core (no browser download: the system one). */
import fs from 'node:fs';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';

export const CHROMIUM = process.env.VV_CHROMIUM ?? '/usr/bin/chromium';
export const chromiumAvailable = () => fs.existsSync(CHROMIUM);

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  });
}

/** A page at a desktop size whose script errors show in the test output. */
export async function galleryPage(browser: Browser, options: BrowserContextOptions = {}): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 }, ...options });
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  return page;
}
