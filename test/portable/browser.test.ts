// The root, testing and fetch entries, bundled for the browser, run in headless Chromium.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleChecks, expected, startServer } from './harness.js';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(chromium);
if (!available && process.env.CI) throw new Error(`CI needs Chromium at ${chromium} (apt-get install chromium)`);
if (!available)
  console.warn(`browser tests skipped: no Chromium at ${chromium} (apt-get install chromium, or set CHROMIUM_PATH)`);

describe.skipIf(!available)('in a real browser (headless Chromium)', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: import('playwright-core').Browser;

  beforeAll(async () => {
    server = await startServer(await bundleChecks());
    const { chromium: launcher } = await import('playwright-core');
    browser = await launcher.launch({
      executablePath: chromium,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('runs a pipeline, a hedge, timeouts, an open breaker, a caller abort and breakwater/fetch', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${server.url}/`);
    const result = await page.evaluate(
      (base) => (globalThis as unknown as { runChecks: (u: string) => Promise<unknown> }).runChecks(base),
      server.url,
    );
    expect(errors).toEqual([]);
    expect(result).toEqual(expected);
    await page.close();
  }, 60_000);
});
