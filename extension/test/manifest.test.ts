import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { apiOrigin } from "../src/permissions";
import { DEFAULT_API_URL } from "../src/store";

const manifest = JSON.parse(readFileSync(fileURLToPath(new URL("../static/manifest.json", import.meta.url)), "utf8"));

describe("manifest", () => {
  it("asks for exactly the minimal permissions", () => {
    expect(manifest.manifest_version).toBe(3);
    expect(manifest.permissions).toEqual(["storage"]);
    expect(manifest.host_permissions).toEqual([
      "https://www.facebook.com/ads/library/*",
      "http://127.0.0.1/*",
      "http://localhost/*",
    ]);
    expect(manifest.optional_host_permissions).toEqual(["https://*/*"]);
    expect(manifest.optional_permissions).toBeUndefined();
  });

  it("runs the capture script in the main world at document start, on the Ads Library only", () => {
    const [capture, content] = manifest.content_scripts;
    expect(capture).toEqual({
      matches: ["https://www.facebook.com/ads/library/*"],
      js: ["capture.js"],
      run_at: "document_start",
      world: "MAIN",
    });
    expect(content.matches).toEqual(["https://www.facebook.com/ads/library/*"]);
    expect(content.world).toBeUndefined();
  });

  it("covers the default API origin with its host permissions", () => {
    expect(apiOrigin(DEFAULT_API_URL)).toEqual({ kind: "built-in", pattern: "http://127.0.0.1/*" });
  });

  it("asks at run time for other API origins, which must be https", () => {
    expect(apiOrigin("https://api.magicmango.example/v1")).toEqual({ kind: "optional", pattern: "https://api.magicmango.example/*" });
    expect(apiOrigin("http://api.magicmango.example").kind).toBe("invalid");
    expect(apiOrigin("not a url").kind).toBe("invalid");
    // Every optional pattern the options page can request is covered by the manifest.
    expect(manifest.optional_host_permissions).toContain("https://*/*");
  });
});
