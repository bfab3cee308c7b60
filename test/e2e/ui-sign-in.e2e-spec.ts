/**
 * The web UI of a Turnout with API keys, in headless Chromium: it asks for a
 * key, keeps the token for the tab (sessionStorage) and sends it in
 * X-Authorization on its calls; a wrong key is told, not let in.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { uniqueName } from '../support/services';
import { turnoutForSuite } from '../support/turnout-fixture';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const KEY_SECRET = `ui-secret-${uniqueName('k')}`;

describe('web UI with API keys, in headless Chromium', () => {
  const turnout = turnoutForSuite('e2e_ui_sign_in', { API_KEYS: `ui:${KEY_SECRET}` });
  let browser: Browser | undefined;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium is not at ${CHROMIUM}: run npm test (it installs it) or apt-get install -y chromium, or set CHROMIUM_PATH`);
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('asks for a key, refuses a wrong one, then shows Task Queues with the token kept for the tab and sent on every call', async () => {
    const context = await browser!.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const apiCalls: Array<{ url: string; authorization: string | undefined }> = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname.startsWith('/api/') && !request.url().endsWith('/api/token')) {
        apiCalls.push({ url: request.url(), authorization: request.headers()['x-authorization'] });
      }
    });

    await page.goto(`${turnout.api.baseUrl}/ui/`);
    await page.locator('#sign-in-form').waitFor();
    await expect(page.locator('h1').textContent()).resolves.toBe('Sign in');

    await page.locator('#key-id').fill('ui');
    await page.locator('#key-secret').fill('not-the-secret');
    await page.locator('#sign-in').click();
    await page.locator('#sign-in-errors:not([hidden])').waitFor();
    await expect(page.locator('#sign-in-errors').textContent()).resolves.toBe('Unknown key or wrong secret');
    await expect(page.evaluate<string | null>("sessionStorage.getItem('turnout.token')")).resolves.toBeNull();

    await page.locator('#key-secret').fill(KEY_SECRET);
    await page.locator('#sign-in').click();
    await page.locator('h1', { hasText: 'Task Queues' }).waitFor();
    const token = await page.evaluate<string | null>("sessionStorage.getItem('turnout.token')");
    expect(token).toMatch(/^[\w-]+\.[\w-]+$/);
    // The view refreshes itself: calls after sign-in carry the token, and none is refused.
    await page.getByRole('link', { name: 'Runs' }).click();
    await page.locator('h1', { hasText: 'Runs' }).waitFor();
    const signedInCalls = apiCalls.filter((call) => call.authorization !== undefined);
    expect(signedInCalls.length).toBeGreaterThan(0);
    expect(signedInCalls.every((call) => call.authorization === token)).toBe(true);
    await expect(page.locator('#sign-in-form').count()).resolves.toBe(0);

    // The secret is kept nowhere in the page's storage: only the token is.
    const stored = await page.evaluate<string>('JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage })');
    expect(stored).not.toContain(KEY_SECRET);
    expect(pageErrors).toEqual([]);
    await context.close();
  });
});
