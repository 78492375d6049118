import { readFileSync } from "node:fs";
import { join } from "node:path";

/** Path of a file in test/data/ (set by vitest.config.ts, valid in every environment). */
export function dataPath(name: string): string {
  return join(process.env["EXTENSION_TEST_DATA"] as string, name);
}

/** Text of a file in test/data/. */
export function dataText(name: string): string {
  return readFileSync(dataPath(name), "utf8");
}

export function dataJson(name: string): unknown {
  return JSON.parse(dataText(name));
}

export const CTX = { pageUrl: "https://www.facebook.com/ads/library/?q=test", capturedAt: 1_780_000_000_000 };
