import type { Browser } from 'playwright-core';
import { launchBrowser, newContext, screenshot } from './support/browser';
import { dashboardUrl, devStack } from './support/dev-stack';

describe('the gateway serves the dashboard', () => {
  let browser: Browser;
  beforeAll(async () => (browser = await launchBrowser()));
  afterAll(async () => browser?.close());

  it('redirects / to the dashboard and routes deep links in the browser', async () => {
    const root = await fetch(devStack().url, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/dashboard/');
    const page = await (await newContext(browser)).newPage();
    const response = await page.goto(dashboardUrl('/keys'));
    expect(response?.status()).toBe(200);
    // Not signed in: the app sends the visitor to sign in, remembering where they were going.
    await page.waitForURL(/\/dashboard\/sign-in\?next=%2Fkeys/);
    await screenshot(page, 'sign-in-redirect');
  });
});
