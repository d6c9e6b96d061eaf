/**
 * Debian's Chromium driven by playwright-core (a dev dependency of this package), for the
 * end-to-end tests in apps/server/test/e2e: they import this file so that playwright-core
 * resolves from here. Playwright's own browser download cannot work offline; the system one does.
 */
import fs from "node:fs";
import { chromium, type Browser, type BrowserContext } from "playwright-core";

export type { Browser, BrowserContext, Locator, Page, Route } from "playwright-core";

const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => fs.existsSync(p));

// Without the networking flags Chromium keeps calling Google's hosts, which this machine refuses.
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

function executable(): string {
  if (!CHROMIUM) throw new Error("Chromium is not installed (apt-get install chromium)");
  return CHROMIUM;
}

/** `extraArgs`: more Chromium switches (e.g. `--host-resolver-rules` for a test host name). */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: executable(), args: [...ARGS, ...extraArgs] });
}

/**
 * A persistent (non-incognito) profile in `dir`: Chromium has no push messaging in incognito
 * contexts, which is what a plain launch's new contexts are.
 */
export function launchPersistentChromium(
  dir: string,
  opts: { baseURL?: string; extraArgs?: string[] } = {},
): Promise<BrowserContext> {
  return chromium.launchPersistentContext(dir, {
    executablePath: executable(),
    args: [...ARGS, ...(opts.extraArgs ?? [])],
    ...(opts.baseURL ? { baseURL: opts.baseURL } : {}),
  });
}
