/**
 * The payload contract as data: test/data/payload-example.json is a `POST /v1/creatives`
 * body the Python Ads API decodes in its contract test. This test keeps it exactly what
 * the normaliser produces (run with UPDATE_EXAMPLE=1 to rewrite it after a contract change).
 */
import { writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { creativesFromDocument } from "../src/normalize";
import { MAX_BATCH } from "../src/payload";
import type { Creative, CreativesRequest } from "../src/payload";
import { CTX, dataJson, dataPath, dataText } from "./helpers";

function example(): CreativesRequest {
  const built = creativesFromDocument(dataJson("built-cases.json"), CTX);
  const ssr = creativesFromDocument(dataJson("ssr-first-page.json"), CTX);
  const pick = (list: Creative[], id: string): Creative => list.find((c) => c.library_id === id)!;
  return {
    creatives: [
      { ...pick(built, "900000000000001"), board_id: "board-1" }, // image, redirect, collation head
      pick(built, "900000000000003"), // DPA: templates, video cards, SD fallback
      pick(ssr, "1503229964834672"), // branded content, real video
      pick(built, "90000000000000005"), // missing fields: nulls everywhere
    ],
  };
}

describe("payload example", () => {
  it("is what the normaliser produces", () => {
    const body = `${JSON.stringify(example(), null, 2)}\n`;
    if (process.env["UPDATE_EXAMPLE"] === "1") {
      writeFileSync(dataPath("payload-example.json"), body);
    }
    expect(dataText("payload-example.json")).toBe(body);
  });

  it("covers every nullable field both null and set", () => {
    const { creatives } = example();
    expect(creatives.length).toBeLessThanOrEqual(MAX_BATCH);
    for (const key of ["collation_id", "collation_count", "creator_page", "board_id", "title", "link_url"] as const) {
      expect(creatives.some((c) => c[key] === null)).toBe(true);
      expect(creatives.some((c) => c[key] !== null)).toBe(true);
    }
    expect(creatives.some((c) => c.media.some((m) => m.fallback_url === null))).toBe(true);
    expect(creatives.some((c) => c.media.some((m) => m.poster_url !== null))).toBe(true);
  });
});
