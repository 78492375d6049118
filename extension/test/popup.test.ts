// @vitest-environment jsdom
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Request, Status } from "../src/messages";

/** static/popup.html's body (test/data/ is the one path valid in every environment). */
function popupBody(): string {
  const html = readFileSync(join(process.env["EXTENSION_TEST_DATA"] as string, "..", "..", "static", "popup.html"), "utf8");
  return /<body>([\s\S]*)<\/body>/.exec(html)![1]!.replace(/<script[\s\S]*?<\/script>/g, "");
}

const STATUS: Status = { savedToday: 4, pending: 2, lastError: null, lastErrorAt: null, notKept: 0, notKeptAt: null };

/** A fake of the chrome API the popup uses: the service worker answers with `status`. */
function stubChrome(status: Status) {
  const requests: Request[] = [];
  vi.stubGlobal("chrome", {
    runtime: {
      sendMessage: async (request: Request) => {
        requests.push(request);
        if (request.type === "dismiss") status = { ...status, notKept: 0, notKeptAt: null };
        return status;
      },
      openOptionsPage: async () => undefined,
    },
    storage: { onChanged: { addListener: () => undefined } },
  });
  return requests;
}

const el = (id: string): HTMLElement => document.getElementById(id) as HTMLElement;

afterEach(() => {
  vi.unstubAllGlobals();
  vi.resetModules();
  document.body.innerHTML = "";
});

describe("popup", () => {
  it("tells how many creatives could not be kept offline, and clears the notice on Dismiss", async () => {
    document.body.innerHTML = popupBody();
    const requests = stubChrome({ ...STATUS, notKept: 3, notKeptAt: 1_780_000_000_000 });
    await import("../src/pages/popup");
    await vi.waitFor(() => expect(el("pending").textContent).toBe("2"));
    expect(el("notKeptBox").hidden).toBe(false);
    expect(el("notKept").textContent).toContain("3 creatives could not be kept offline");
    expect(el("notKept").textContent).toContain("open the page again once online");
    el("dismiss").click();
    await vi.waitFor(() => expect(el("notKeptBox").hidden).toBe(true));
    expect(requests.map((r) => r.type)).toEqual(["status", "dismiss"]);
  });

  it("shows no notice when every save was kept", async () => {
    document.body.innerHTML = popupBody();
    stubChrome(STATUS);
    await import("../src/pages/popup");
    await vi.waitFor(() => expect(el("savedToday").textContent).toBe("4"));
    expect(el("notKeptBox").hidden).toBe(true);
  });
});
