/**
 * Debian's Chromium through playwright-core, as every browser check here uses it (never a
 * downloaded browser), and a page served from an intercepted origin that records what a
 * self-contained artifact must never do: console errors, page errors, dialogs, outside requests.
 */
import { chromium, type Browser, type Page } from "playwright-core";

/** Flags for a root, headless, offline machine: no sandbox, no GPU, no calls home. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium",
    args: CHROMIUM_ARGS,
  });
}

export const SANDBOX_ORIGIN = "http://prototype.test";

/** Serves `html` at SANDBOX_ORIGIN (any hash) and records what the page does that it must not. */
export async function openSandboxed(
  browser: Browser,
  html: string,
  hash = "",
): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("dialog", (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url === `${SANDBOX_ORIGIN}/` || url.startsWith(`${SANDBOX_ORIGIN}/#`)) {
      return route.fulfill({ status: 200, contentType: "text/html; charset=utf-8", body: html });
    }
    problems.push(`request: ${url}`);
    return route.abort();
  });
  await page.goto(`${SANDBOX_ORIGIN}/${hash}`);
  return { page, problems };
}
