// Headless Chromium from the system (Debian's `chromium`), driven by playwright-core, which never
// downloads a browser of its own. Without the binary the browser tests skip and say why, unless
// RUNLENS_REQUIRE_BROWSER=1 (CI), which makes the missing browser a failure.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/lib/chromium/chromium', '/snap/bin/chromium'];

/** RUNLENS_CHROMIUM, else the first Debian/Ubuntu location that exists. */
export function findChromium(): string | undefined {
  const given = process.env['RUNLENS_CHROMIUM'];
  if (given) return existsSync(given) ? given : undefined;
  return CANDIDATES.find((p) => existsSync(p));
}

export const CHROMIUM = findChromium();
export const REQUIRE_BROWSER = process.env['RUNLENS_REQUIRE_BROWSER'] === '1';
export const SKIP_REASON = CHROMIUM ? undefined : `no Chromium found (looked for $RUNLENS_CHROMIUM, ${CANDIDATES.join(', ')}); install Debian's chromium package (apt-get install chromium) to run the browser tests`;

export const OUTPUT = fileURLToPath(new URL('../test-output/', import.meta.url));

export async function launch(): Promise<Browser> {
  await mkdir(OUTPUT, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM!,
    headless: true,
    // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-extensions'],
  });
}

/** A page whose console errors and uncaught exceptions fail the test that looks at `errors`. */
export async function openPage(browser: Browser): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  // Nothing may leave the machine: every request the page makes must go to the server under test.
  page.on('request', (r) => {
    if (!/^(http:\/\/127\.0\.0\.1:\d+\/|data:|blob:)/.test(r.url())) errors.push(`external request: ${r.url()}`);
  });
  return { page, errors };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  const file = path.join(OUTPUT, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
