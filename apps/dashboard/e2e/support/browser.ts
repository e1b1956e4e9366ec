import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { ROOT } from './dev-stack';

export const SCREENSHOT_DIR = join(ROOT, '.switchyard', 'screenshots');

/** Debian's Chromium (scripts/ensure-chromium.sh installs it), headless. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

export async function newContext(browser: Browser, viewport: { width: number; height: number } = { width: 1366, height: 860 }): Promise<BrowserContext> {
  return browser.newContext({ viewport, locale: 'en-US' });
}

/** Saves `<name>.png` as a test artifact. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
