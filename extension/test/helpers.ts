import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Text of a file in test/data/. */
export function dataText(name: string): string {
  return readFileSync(fileURLToPath(new URL(`./data/${name}`, import.meta.url)), "utf8");
}

export function dataJson(name: string): unknown {
  return JSON.parse(dataText(name));
}

export const CTX = { pageUrl: "https://www.facebook.com/ads/library/?q=test", capturedAt: 1_780_000_000_000 };
