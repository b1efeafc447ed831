// A real browser for the dashboard's tests: Debian's Chromium driven by
// playwright-core, headless, with a fresh profile each launch and nothing
// that calls out to the network on its own. Every console error or warning,
// uncaught page error and failed request is collected, so a test can assert
// the page stayed quiet.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { repoRoot } from './app-dir.js';

export const chromiumPath = process.env.CALMA_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** Where screenshots go (ignored by git). */
export const artifactsDir = (name: string): string => {
  const dir = join(repoRoot, 'test-artifacts', name);
  mkdirSync(dir, { recursive: true });
  return dir;
};

export function launchChromium(): Promise<Browser> {
  // playwright gives each launch a fresh temporary --user-data-dir of its own.
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export const desktop = { width: 1280, height: 900 };
export const phone = { width: 360, height: 740 };

// Chromium drops the requests in flight when the host's addresses change, and
// the tests' containers and networks coming and going change them: such a
// request failed in the browser, not in the page or the daemon (the page tries
// it again), so it is not counted.
const networkChanged = /net::ERR_NETWORK_CHANGED/;

/** Collects what a page says went wrong: console errors and warnings, uncaught errors, failed requests. */
export function watchProblems(page: Page): () => string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && networkChanged.test(m.text())) return;
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    // A stream the page itself closed (leaving a page, a finished log) is not a failure.
    if (r.failure()?.errorText === 'net::ERR_ABORTED' || networkChanged.test(r.failure()?.errorText ?? '')) return;
    problems.push(`request failed: ${r.method()} ${r.url()}: ${r.failure()?.errorText}`);
  });
  return () => [...problems];
}

/** A full-page screenshot at desktop width and at 360 px, as NAME-desktop.png and NAME-360.png. */
export async function screenshotBoth(page: Page, dir: string, name: string): Promise<void> {
  const before = page.viewportSize() ?? desktop;
  await page.setViewportSize(desktop);
  await page.screenshot({ path: join(dir, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize(phone);
  await page.screenshot({ path: join(dir, `${name}-360.png`), fullPage: true });
  await page.setViewportSize(before);
}
