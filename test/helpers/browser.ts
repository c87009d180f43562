/**
 * Debian's Chromium driven by playwright-core (never `npx playwright install`): the browser tests of
 * the report and the dashboard. Without /usr/bin/chromium they skip, saying so.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

/** Warns once per test file that its browser tests are skipped, and why. */
export function warnIfNoChromium(what: string): void {
  if (!hasChromium) console.warn(`skipping ${what}: ${CHROMIUM} is absent (apt-get install chromium)`);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}
