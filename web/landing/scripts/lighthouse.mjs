// Lighthouse against the exported site, in Debian's Chromium, on a loopback port.
//
//   npm run lighthouse                          # desktop preset, 1 run
//   npm run lighthouse -- --runs 3 --preset mobile --out report.json
//
// Prints JSON on stdout: the four category scores (0-1; the median of the runs when there
// are several), every run's scores, the Lighthouse and Chromium versions and the settings.
// Needs a build (`npm run build`). The browser is $CHROME_PATH (default /usr/bin/chromium);
// nothing is downloaded.
import { execFileSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import * as chromeLauncher from "chrome-launcher";
import lighthouse from "lighthouse";
import desktopConfig from "lighthouse/core/config/desktop-config.js";

import { serve } from "./serve.mjs";

const CATEGORIES = ["performance", "accessibility", "best-practices", "seo"];
export const CHROME_FLAGS = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

const { values } = parseArgs({
  options: {
    preset: { type: "string", default: "desktop" },
    runs: { type: "string", default: "1" },
    dir: { type: "string" },
    out: { type: "string" },
  },
});

const here = fileURLToPath(new URL("..", import.meta.url));
const dir = values.dir ?? join(here, "out");
const runs = Number(values.runs);
if (!["desktop", "mobile"].includes(values.preset) || !(runs >= 1)) {
  console.error("usage: lighthouse.mjs [--preset desktop|mobile] [--runs N] [--dir out] [--out FILE]");
  process.exit(2);
}
if (!existsSync(join(dir, "index.html"))) {
  console.error(`no ${join(dir, "index.html")}: run \`npm run build\` first`);
  process.exit(2);
}

const chromePath = process.env.CHROME_PATH || "/usr/bin/chromium";

/** "Chromium 156.0.8078.108 built on Debian ..." -> "156.0.8078.108" (the UA hides the minor parts). */
function browserVersion(path) {
  try {
    const output = execFileSync(path, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    return output.match(/(\d+\.\d+\.\d+\.\d+)/)?.[1] ?? output.trim();
  } catch {
    return "";
  }
}

function median(numbers) {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const { server, url } = await serve(dir);
const results = [];
let lighthouseVersion = "";
let chromium = "";
try {
  for (let run = 0; run < runs; run += 1) {
    // A fresh browser per run: no warm caches carried from one run to the next.
    const chrome = await chromeLauncher.launch({ chromePath, chromeFlags: CHROME_FLAGS });
    try {
      const flags = { port: chrome.port, output: "json", logLevel: "error", onlyCategories: CATEGORIES };
      const config = values.preset === "desktop" ? desktopConfig : undefined;
      const result = await lighthouse(url, flags, config);
      if (!result) throw new Error("Lighthouse returned no result");
      const { lhr } = result;
      if (lhr.runtimeError) throw new Error(`Lighthouse: ${lhr.runtimeError.message}`);
      lighthouseVersion = lhr.lighthouseVersion;
      chromium = browserVersion(chromePath) || (lhr.environment.hostUserAgent.match(/Chrome\/([\d.]+)/)?.[1] ?? "");
      const scores = Object.fromEntries(CATEGORIES.map((id) => [id, lhr.categories[id].score]));
      const failed = Object.values(lhr.audits)
        .filter((audit) => audit.score !== null && audit.score < 0.9 && audit.scoreDisplayMode !== "informative")
        .map((audit) => `${audit.id} (${audit.score})`);
      results.push({
        scores,
        metrics: {
          fcp_ms: lhr.audits["first-contentful-paint"].numericValue,
          lcp_ms: lhr.audits["largest-contentful-paint"].numericValue,
          tbt_ms: lhr.audits["total-blocking-time"].numericValue,
          cls: lhr.audits["cumulative-layout-shift"].numericValue,
        },
        below_0_9: failed,
      });
      if (values.out) writeFileSync(values.out, result.report);
    } finally {
      await chrome.kill();
    }
  }
} finally {
  server.close();
}

const summary = {
  url,
  preset: values.preset,
  throttling: "simulated",
  runs: results.length,
  lighthouse: lighthouseVersion,
  chromium,
  chrome_path: chromePath,
  chrome_flags: CHROME_FLAGS,
  scores: Object.fromEntries(CATEGORIES.map((id) => [id, median(results.map((r) => r.scores[id]))])),
  all_runs: results,
};
console.log(JSON.stringify(summary, null, 2));
